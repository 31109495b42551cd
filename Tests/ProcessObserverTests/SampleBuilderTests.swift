import Testing

@testable import ProcessObserver

/// The arithmetic of samples on made-up readings: CLK_TCK 100, 4 KiB pages, times chosen so
/// every expected value is exact in binary floating point.
@Suite("Sample arithmetic")
struct SampleBuilderTests {
    static let second: UInt64 = 1_000_000_000

    /// A reading built from a real-format stat line (so the parser is on the path too).
    static func reading(
        pid: Int32, name: String = "p", ticks: (user: UInt64, system: UInt64), start: UInt64, rssPages: Int64 = 0,
        io: (read: UInt64, write: UInt64)? = nil
    ) -> ProcessReading {
        let line =
            "\(pid) (\(name)) S 1 \(pid) \(pid) 0 -1 0 0 0 0 0 \(ticks.user) \(ticks.system) 0 0 20 0 1 0 \(start) 0 \(rssPages) 0\n"
        let stat = ProcStat(parsing: Array(line.utf8))!
        let ioText = io.map {
            "rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: 0\nread_bytes: \($0.read)\nwrite_bytes: \($0.write)\ncancelled_write_bytes: 0\n"
        }
        return ProcessReading(stat: stat, io: ioText.flatMap { ProcIO(parsing: Array($0.utf8)) })
    }

    @Test("a first look measures CPU from the process's start and has no disk rates")
    func firstLook() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        // Started at tick 1000 (10 s after boot), looked at 14 s after boot: 4 s alive, 2 s of CPU.
        let sample = builder.sample(
            [Self.reading(pid: 7, ticks: (150, 50), start: 1000, rssPages: 256, io: (4096, 8192))],
            timestampNs: 5 * Self.second, bootNs: 14 * Self.second)
        #expect(sample.processes.count == 1)
        #expect(sample.processes[0].processID == 7)
        #expect(sample.processes[0].cpuPercent == 50)
        #expect(sample.processes[0].rssBytes == 256 * 4096)
        #expect(sample.processes[0].diskReadBytesPerSecond == nil)
        #expect(sample.processes[0].diskWrittenBytesPerSecond == nil)
        #expect(sample.totalDiskReadBytesPerSecond == nil)
        #expect(sample.totalDiskWrittenBytesPerSecond == nil)
    }

    @Test("a second look divides the counter differences by the monotonic time between looks")
    func secondLook() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        _ = builder.sample(
            [Self.reading(pid: 7, ticks: (100, 0), start: 1000, io: (0, 1 << 20))], timestampNs: 10 * Self.second,
            bootNs: 20 * Self.second)
        // Half a second later: 75 more ticks (0.75 s of CPU: 150 % of a core), 1 MiB read,
        // 4 MiB written.
        let sample = builder.sample(
            [Self.reading(pid: 7, ticks: (150, 25), start: 1000, io: (1 << 20, 5 << 20))],
            timestampNs: 10 * Self.second + Self.second / 2, bootNs: 99 * Self.second)
        #expect(sample.processes[0].cpuPercent == 150)
        #expect(sample.processes[0].diskReadBytesPerSecond == Double(2 << 20))
        #expect(sample.processes[0].diskWrittenBytesPerSecond == Double(8 << 20))
        #expect(sample.totalCPUPercent == 150)
        #expect(sample.totalDiskReadBytesPerSecond == Double(2 << 20))
        #expect(sample.totalDiskWrittenBytesPerSecond == Double(8 << 20))
    }

    @Test("a reused pid (new start time) is a new process: CPU from its start, no rates")
    func pidReuse() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        _ = builder.sample(
            [Self.reading(pid: 7, ticks: (900, 0), start: 1000, io: (0, 0))], timestampNs: Self.second,
            bootNs: 20 * Self.second)
        // Same pid, started at tick 1900 (19 s), looked at 21 s: 1 tick of CPU in 2 s is 0.5 %.
        let sample = builder.sample(
            [Self.reading(pid: 7, ticks: (1, 0), start: 1900, io: (4096, 4096))], timestampNs: 2 * Self.second,
            bootNs: 21 * Self.second)
        #expect(sample.processes[0].cpuPercent == 0.5)
        #expect(sample.processes[0].diskReadBytesPerSecond == nil)
        #expect(sample.processes[0].diskWrittenBytesPerSecond == nil)
        #expect(builder.baselines[7]?.startTime == 1900)
    }

    @Test("an unreadable io resets the disk baseline: rates come back one look after it is readable again")
    func ioBaselineReset() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        var rates: [Double?] = []
        let ios: [(read: UInt64, write: UInt64)?] = [(0, 0), nil, (100, 100), (300, 500)]
        for (i, io) in ios.enumerated() {
            let sample = builder.sample(
                [Self.reading(pid: 3, ticks: (0, 0), start: 5, io: io)], timestampNs: UInt64(i + 1) * Self.second,
                bootNs: 100 * Self.second)
            rates.append(sample.processes[0].diskWrittenBytesPerSecond)
            // CPU has a baseline all along: 0 ticks used is 0 %.
            #expect(sample.processes[0].cpuPercent == 0)
        }
        #expect(rates == [nil, nil, nil, 400])
    }

    @Test("a process missing from a look loses its baseline")
    func vanishedProcess() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        let a = Self.reading(pid: 1, ticks: (0, 0), start: 5, io: (0, 0))
        let b = Self.reading(pid: 2, ticks: (0, 0), start: 5, io: (0, 0))
        _ = builder.sample([a, b], timestampNs: Self.second, bootNs: 10 * Self.second)
        _ = builder.sample([a], timestampNs: 2 * Self.second, bootNs: 11 * Self.second)
        #expect(builder.baselines.keys.sorted() == [1])
        let sample = builder.sample([a, b], timestampNs: 3 * Self.second, bootNs: 12 * Self.second)
        let byPid = Dictionary(uniqueKeysWithValues: sample.processes.map { ($0.processID, $0) })
        #expect(byPid[1]?.diskWrittenBytesPerSecond == 0)
        #expect(byPid[2]?.diskWrittenBytesPerSecond == nil)
    }

    @Test("processes are sorted by CPU (ties by pid) and clipped to top N; totals cover all")
    func sortClipTotals() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 3)
        let first: [ProcessReading] = (1...5).map {
            Self.reading(pid: Int32($0), ticks: (0, 0), start: 5, rssPages: Int64($0), io: (0, 0))
        }
        _ = builder.sample(first, timestampNs: Self.second, bootNs: 10 * Self.second)
        // One second later: pids 1..5 used 10, 50, 50, 0, 25 ticks; wrote 1, 2, 3, 4, 5 KiB.
        let used: [UInt64] = [10, 50, 50, 0, 25]
        let second: [ProcessReading] = (1...5).map {
            Self.reading(
                pid: Int32($0), ticks: (used[$0 - 1], 0), start: 5, rssPages: Int64($0), io: (0, UInt64($0) * 1024))
        }
        let sample = builder.sample(second, timestampNs: 2 * Self.second, bootNs: 11 * Self.second)
        #expect(sample.processes.map(\.processID) == [2, 3, 5])
        #expect(sample.processes.map(\.cpuPercent) == [50, 50, 25])
        #expect(sample.processCount == 5)
        #expect(sample.totalCPUPercent == 135)
        #expect(sample.totalRSSBytes == 15 * 4096)
        #expect(sample.totalDiskWrittenBytesPerSecond == Double(15 * 1024))
        #expect(sample.totalDiskReadBytesPerSecond == 0)
    }

    @Test("a name that is not UTF-8 becomes a String with replacement characters")
    func lossyName() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 1)
        var reading = Self.reading(pid: 1, ticks: (0, 0), start: 5)
        reading.stat.command = [0x61, 0xFF, 0x62]
        let sample = builder.sample([reading], timestampNs: 1, bootNs: 10 * Self.second)
        #expect(sample.processes[0].name == "a\u{FFFD}b")
    }

    /// A cgroup reading built from real-format `cpu.stat` (and `io.stat`) text.
    static func cgroup(
        usage: UInt64, user: UInt64, system: UInt64, createdNs: UInt64, memory: UInt64? = nil, tasks: Int? = nil,
        io: String? = nil
    ) -> CgroupReading {
        let text = "usage_usec \(usage)\nuser_usec \(user)\nsystem_usec \(system)\nnice_usec 0\n"
        return CgroupReading(
            cpu: CgroupCPUStat(parsing: Array(text.utf8))!, createdNs: createdNs, memoryBytes: memory,
            taskCount: tasks, io: io.flatMap { CgroupIOStat(parsing: Array($0.utf8)) })
    }

    @Test("the cgroup's first CPU percent is measured from its creation, the next ones over the interval")
    func cgroupPercent() throws {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        let p = Self.reading(pid: 7, ticks: (0, 0), start: 1000)
        // Made at 10 s, first look at 12 s with 0.5 s used: 25 % of a core.
        let first = builder.sample(
            [p],
            cgroup: Self.cgroup(
                usage: 500_000, user: 400_000, system: 100_000, createdNs: 10 * Self.second, memory: 1 << 20,
                tasks: 3, io: "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n"),
            timestampNs: 12 * Self.second, bootNs: 20 * Self.second)
        #expect(
            first.cgroup
                == CgroupTotals(
                    cpuNanoseconds: 500_000_000, userCPUNanoseconds: 400_000_000, systemCPUNanoseconds: 100_000_000,
                    cpuPercent: 25, memoryBytes: 1 << 20, taskCount: 3, diskReadBytes: 4096, diskWrittenBytes: 0))
        // Half a second later, 0.75 s more (one and a half cores busy): 150 %. No memory, pids or io.
        let second = builder.sample(
            [p], cgroup: Self.cgroup(usage: 1_250_000, user: 1_000_000, system: 250_000, createdNs: 10 * Self.second),
            timestampNs: 12 * Self.second + Self.second / 2, bootNs: 21 * Self.second)
        let totals = try #require(second.cgroup)
        #expect(totals.cpuNanoseconds == 1_250_000_000)
        #expect(totals.cpuPercent == 150)
        #expect(totals.memoryBytes == nil && totals.taskCount == nil)
        #expect(totals.diskReadBytes == nil && totals.diskWrittenBytes == nil)
        // A CPU time that went backwards (never expected) reads as none used, and is the new baseline.
        let third = builder.sample(
            [p], cgroup: Self.cgroup(usage: 1_000_000, user: 1, system: 2, createdNs: 10 * Self.second),
            timestampNs: 13 * Self.second, bootNs: 22 * Self.second)
        #expect(third.cgroup?.cpuPercent == 0)
        let fourth = builder.sample(
            [p], cgroup: Self.cgroup(usage: 1_250_000, user: 1, system: 2, createdNs: 10 * Self.second),
            timestampNs: 14 * Self.second, bootNs: 23 * Self.second)
        #expect(fourth.cgroup?.cpuPercent == 25)
    }

    @Test("without a cgroup reading a sample has no cgroup totals")
    func noCgroup() {
        var builder = SampleBuilder(clockTicksPerSecond: 100, pageSize: 4096, top: 10)
        let sample = builder.sample(
            [Self.reading(pid: 1, ticks: (0, 0), start: 5)], timestampNs: Self.second, bootNs: 10 * Self.second)
        #expect(sample.cgroup == nil)
    }
}
