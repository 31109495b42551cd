import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

@Suite("/proc/<pid>/status parser")
struct ProcStatusParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var name: String
        var state: Character
        var tgid: Int32
        var ppid: Int32
        var rss: UInt64?
        var hwm: UInt64?
        var threads: Int?
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "a user process with memory lines (kB → bytes)",
            text: """
                Name:\thead
                Umask:\t0022
                State:\tR (running)
                Tgid:\t6281
                Ngid:\t0
                Pid:\t6281
                PPid:\t6272
                TracerPid:\t0
                Uid:\t0\t0\t0\t0
                VmPeak:\t    2928 kB
                VmSize:\t    2928 kB
                VmLck:\t       0 kB
                VmHWM:\t    1712 kB
                VmRSS:\t    1716 kB
                RssAnon:\t     116 kB
                Threads:\t1
                voluntary_ctxt_switches:\t0

                """,
            name: "head", state: "R", tgid: 6281, ppid: 6272, rss: 1716 * 1024, hwm: 1712 * 1024, threads: 1),
        Case(
            label: "a zombie named 'a) b (c' has no memory lines",
            text: """
                Name:\ta) b (c
                State:\tZ (zombie)
                Tgid:\t12448
                Pid:\t12448
                PPid:\t12446
                Threads:\t1
                voluntary_ctxt_switches:\t1

                """,
            name: "a) b (c", state: "Z", tgid: 12448, ppid: 12446, rss: nil, hwm: nil, threads: 1),
        Case(
            label: "a kernel thread",
            text:
                "Name:\tkthreadd\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t2\nPid:\t2\nPPid:\t0\nKthread:\t1\nThreads:\t1\n",
            name: "kthreadd", state: "S", tgid: 2, ppid: 0, rss: nil, hwm: nil, threads: 1),
        Case(
            label: "init with 13 threads and a 17 MiB peak",
            text:
                "Name:\tprocess_api\nState:\tS (sleeping)\nTgid:\t1\nPPid:\t0\nVmHWM:\t   17628 kB\nVmRSS:\t   14024 kB\nThreads:\t13\n",
            name: "process_api", state: "S", tgid: 1, ppid: 0, rss: 14024 * 1024, hwm: 17628 * 1024, threads: 13),
    ]

    @Test("parses name, state, tgid, ppid, VmRSS, VmHWM and Threads", arguments: cases)
    func parses(_ c: Case) throws {
        let status = try #require(ProcStatus(parsing: Array(c.text.utf8)))
        #expect(status.name == Array(c.name.utf8))
        #expect(status.state == UInt8(ascii: c.state.unicodeScalars.first!))
        #expect(status.threadGroupID == c.tgid)
        #expect(status.parentProcessID == c.ppid)
        #expect(status.residentBytes == c.rss)
        #expect(status.residentPeakBytes == c.hwm)
        #expect(status.threadCount == c.threads)
    }

    @Test("a memory line without its kB unit is not taken as a size")
    func unitRequired() throws {
        let status = try #require(ProcStatus(parsing: Array("Name:\tx\nVmRSS:\t12\nVmHWM:\t12 MB\n".utf8)))
        #expect(status.residentBytes == nil)
        #expect(status.residentPeakBytes == nil)
    }

    @Test("text without a Name line is not a status file")
    func rejects() {
        #expect(ProcStatus(parsing: Array("State:\tR (running)\nPid:\t1\n".utf8)) == nil)
        #expect(ProcStatus(parsing: []) == nil)
    }

    @Test("reads the live /proc/self/status: our pid, parent, threads, and VmHWM ≥ VmRSS")
    func liveSelf() throws {
        let status = try #require(ProcFS.status(getpid()))
        let stat = try #require(ProcFS.stat(getpid()))
        #expect(status.threadGroupID == getpid())
        #expect(status.parentProcessID == getppid())
        let rss = try #require(status.residentBytes)
        let hwm = try #require(status.residentPeakBytes)
        #expect(rss > 0)
        #expect(hwm >= rss)
        #expect(try #require(status.threadCount) >= 1)
        #expect(stat.command == status.name)
    }
}
