import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// The cgroup v2 `cpu.stat` and `io.stat` parsers, over text captured from kernels (a hybrid host
/// without controllers, a pure-v2 host with the cpu and io controllers), then one live read.
@Suite("cgroup cpu.stat and io.stat parsers")
struct CgroupStatParserTests {
    struct CPUCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var usage, user, system: UInt64
        var testDescription: String { label }
    }

    static let cpuCases: [CPUCase] = [
        CPUCase(
            label: "a run cgroup on a hybrid host (no controllers)",
            text: "usage_usec 7708\nuser_usec 0\nsystem_usec 7708\nnice_usec 0\n", usage: 7708, user: 0,
            system: 7708),
        CPUCase(
            label: "a v2 root",
            text: "usage_usec 17754812723\nuser_usec 15138018195\nsystem_usec 2616794528\nnice_usec 19556119\n",
            usage: 17_754_812_723, user: 15_138_018_195, system: 2_616_794_528),
        CPUCase(
            label: "with the cpu controller: throttling and burst lines, core scheduling",
            text:
                "usage_usec 612345\nuser_usec 600001\nsystem_usec 12344\nnice_usec 0\ncore_sched.force_idle_usec 0\n"
                + "nr_periods 61\nnr_throttled 12\nthrottled_usec 480012\nnr_bursts 0\nburst_usec 0\n",
            usage: 612_345, user: 600_001, system: 12_344),
        CPUCase(
            label: "an older kernel, without nice_usec, keys in another order",
            text: "system_usec 3\nusage_usec 18446744073709551615\nuser_usec 2", usage: .max, user: 2, system: 3),
    ]

    @Test("cpu.stat: usage, user and system microseconds", arguments: cpuCases)
    func cpuStat(_ c: CPUCase) throws {
        let stat = try #require(CgroupCPUStat(parsing: Array(c.text.utf8)))
        #expect(stat.usageMicroseconds == c.usage)
        #expect(stat.userMicroseconds == c.user)
        #expect(stat.systemMicroseconds == c.system)
    }

    static let malformedCPU: [String] = [
        "",
        "usage_usec 1\nuser_usec 1\n",
        "usage_usec 1\nuser_usec 1\nsystem_usec -1\n",
        "usage_usec 18446744073709551616\nuser_usec 1\nsystem_usec 1\n",
        "usage_usec: 1\nuser_usec: 1\nsystem_usec: 1\n",
    ]

    @Test("cpu.stat: nil when a counter is missing, negative, too large or not `key value`", arguments: malformedCPU)
    func cpuStatRejects(_ text: String) {
        #expect(CgroupCPUStat(parsing: Array(text.utf8)) == nil)
    }

    struct IOCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var read, written: UInt64
        var testDescription: String { label }
    }

    static let ioCases: [IOCase] = [
        IOCase(label: "no I/O yet: an empty file", text: "", read: 0, written: 0),
        IOCase(
            label: "one device",
            text: "8:0 rbytes=1048576 wbytes=52428800 rios=256 wios=100 dbytes=0 dios=0\n", read: 1_048_576,
            written: 52_428_800),
        IOCase(
            label: "two devices are summed",
            text:
                "259:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
                + "253:1 rbytes=12288 wbytes=0 rios=3 wios=0 dbytes=512 dios=1\n",
            read: 16384, written: 8192),
        IOCase(
            label: "io.cost and debug pairs after the standard six are ignored",
            text:
                "8:16 rbytes=100 wbytes=200 rios=1 wios=1 dbytes=0 dios=0 cost.vrate=100.00 cost.usage=523 "
                + "cost.wait=0 cost.indebt=0 cost.indelay=0 use_delay=0 delay_nsec=0\n",
            read: 100, written: 200),
    ]

    @Test("io.stat: rbytes and wbytes summed over devices", arguments: ioCases)
    func ioStat(_ c: IOCase) throws {
        let stat = try #require(CgroupIOStat(parsing: Array(c.text.utf8)))
        #expect(stat.readBytes == c.read)
        #expect(stat.writtenBytes == c.written)
    }

    static let malformedIO: [String] = [
        "8:0 rios=1 wios=2\n",
        "8:0 rbytes=1 wbytes=x rios=0 wios=0\n",
        "8:0 rbytes=-1 wbytes=0\n",
        "8:0 rbytes 1 wbytes 2\n",
    ]

    @Test("io.stat: nil when a device line lacks rbytes or wbytes or holds a bad pair", arguments: malformedIO)
    func ioStatRejects(_ text: String) {
        #expect(CgroupIOStat(parsing: Array(text.utf8)) == nil)
    }

    /// CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`), in microseconds.
    static func threadCPUMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }

    @Test("the live cpu.stat of this process's own v2 cgroup grows by at least the CPU this thread burns")
    func liveOwnCgroup() throws {
        let directory = try #require(CgroupLayout.current().unified?.directory)
        let before = try #require(ProcFS.readFile(directory + "/cpu.stat").flatMap(CgroupCPUStat.init(parsing:)))
        let start = Self.threadCPUMicroseconds()
        var x: UInt64 = 0
        while Self.threadCPUMicroseconds() - start < 50_000 { x &+= 1 }
        let burnt = Self.threadCPUMicroseconds() - start
        let after = try #require(ProcFS.readFile(directory + "/cpu.stat").flatMap(CgroupCPUStat.init(parsing:)))
        #expect(x > 0)
        // The v2 root (where this process is on a hybrid host) counts scheduler ticks, so it may
        // miss up to a tick (at most 10 ms) at each end; any other cgroup counts exact run time.
        #expect(after.usageMicroseconds > before.usageMicroseconds)
        #expect(after.usageMicroseconds + 20_000 >= before.usageMicroseconds + burnt)
    }
}
