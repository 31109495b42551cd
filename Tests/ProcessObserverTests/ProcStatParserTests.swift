import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

@Suite("/proc/<pid>/stat parser")
struct ProcStatParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var pid: Int32
        var command: String
        var state: Character
        var ppid: Int32
        var utime: UInt64
        var stime: UInt64
        var threads: Int64
        var startTime: UInt64
        var rssPages: Int64
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "a plain process",
            text:
                "6275 (cat) R 6272 6272 4453 0 -1 4194304 96 0 0 0 0 0 0 0 20 0 1 0 49519 3133440 382 18446744073709551615 94198340558848 94198340578729 140726517290544 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94198340594736 94198340596352 94198570450944 140726517291726 140726517291746 140726517291746 140726517293035 0\n",
            pid: 6275, command: "cat", state: "R", ppid: 6272, utime: 0, stime: 0, threads: 1, startTime: 49519,
            rssPages: 382),
        Case(
            label: "init with CPU time and 13 threads",
            text:
                "1 (process_api) S 0 0 0 0 -1 4194560 36218 2987055 0 159 104 178 16256 1376 10 -10 13 0 11 44830720 3479 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            pid: 1, command: "process_api", state: "S", ppid: 0, utime: 104, stime: 178, threads: 13, startTime: 11,
            rssPages: 3479),
        Case(
            label: "a kernel thread with no memory",
            text:
                "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 11 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            pid: 2, command: "kthreadd", state: "S", ppid: 0, utime: 0, stime: 0, threads: 1, startTime: 11,
            rssPages: 0),
        Case(
            label: "a hostile name with ') ' and '(' in it, as a zombie",
            text:
                "12448 (a) b (c) Z 12446 12444 4453 0 -1 4227148 87 0 0 0 0 0 0 0 20 0 1 0 66121 0 0 18446744073709551615 0 0 0 0 0 0 0 128 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            pid: 12448, command: "a) b (c", state: "Z", ppid: 12446, utime: 0, stime: 0, threads: 1,
            startTime: 66121, rssPages: 0),
        Case(
            label: "a name that looks like fields: ') R 1 2 3 ('",
            text:
                "77 () R 1 2 3 () S 5 77 77 0 -1 4194304 10 0 0 0 7 3 0 0 20 0 2 0 900 1000 25 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            pid: 77, command: ") R 1 2 3 (", state: "S", ppid: 5, utime: 7, stime: 3, threads: 2, startTime: 900,
            rssPages: 25),
        Case(
            label: "an empty name and a name of spaces",
            text: "8 (   ) D 7 8 8 0 -1 0 0 0 0 0 12 34 0 0 20 0 1 0 5 0 9 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            pid: 8, command: "   ", state: "D", ppid: 7, utime: 12, stime: 34, threads: 1, startTime: 5, rssPages: 9),
    ]

    @Test("parses pid, name, state, ppid, times, threads, start time and rss", arguments: cases)
    func parses(_ c: Case) throws {
        let stat = try #require(ProcStat(parsing: Array(c.text.utf8)))
        #expect(stat.processID == c.pid)
        #expect(stat.command == Array(c.command.utf8))
        #expect(stat.state == UInt8(ascii: c.state.unicodeScalars.first!))
        #expect(stat.parentProcessID == c.ppid)
        #expect(stat.userTicks == c.utime)
        #expect(stat.systemTicks == c.stime)
        #expect(stat.threadCount == c.threads)
        #expect(stat.startTime == c.startTime)
        #expect(stat.residentPages == c.rssPages)
        #expect(stat.hasExited == (c.state == "Z"))
    }

    @Test("keeps a name that is not UTF-8 as its exact bytes")
    func invalidUTF8Name() throws {
        let bytes: [UInt8] =
            Array("9 (".utf8) + [0xFF, 0xFE, 0x29, 0x20]
            + Array(") S 1 9 9 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4 5 0\n".utf8)
        let stat = try #require(ProcStat(parsing: bytes))
        #expect(stat.command == [0xFF, 0xFE, 0x29, 0x20])
        #expect(stat.parentProcessID == 1)
        #expect(stat.startTime == 3)
        #expect(stat.residentPages == 5)
    }

    static let malformed: [String] = [
        "",
        "12 (cut short) S 1 2 3",
        "12 no parens S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22",
        "x (bad pid) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4 5 0",
        "12 (bad number) S 1 1 1 0 -1 0 0 0 0 0 1x 2 0 0 20 0 1 0 3 4 5 0",
        "12 (two-letter state) SS 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 3 4 5 0",
    ]

    @Test("rejects text that is not a whole stat line", arguments: malformed)
    func rejects(_ text: String) {
        #expect(ProcStat(parsing: Array(text.utf8)) == nil)
    }

    @Test("reads the live /proc/self/stat: our pid, parent, start time and thread count")
    func liveSelf() throws {
        let stat = try #require(ProcFS.stat(getpid()))
        let status = try #require(ProcFS.status(getpid()))
        #expect(stat.processID == getpid())
        #expect(stat.parentProcessID == getppid())
        // The process's state is its main thread's; the thread reading its own stat is running.
        let thread = try #require(ProcFS.readFile("/proc/thread-self/stat").flatMap(ProcStat.init(parsing:)))
        #expect(thread.state == UInt8(ascii: "R"))
        #expect(stat.command == status.name)
        #expect(stat.startTime > 0)
        #expect(stat.startTime * (1_000_000_000 / ProcFS.clockTicksPerSecond) <= Clock.bootNs())
        #expect(stat.residentPages > 0)
        #expect(stat.threadCount >= 1)
    }

    @Test("reads a live process that named itself 'a) b (c'")
    func liveHostileName() throws {
        let gate = try ChildPipes()
        let process = NativeProcess(
            .name("perl"), arguments: ["-e", "$| = 1; $0 = 'a) b (c'; print \"named\\n\"; <STDIN>;"],
            standardInput: .fileDescriptor(gate.read), standardOutput: .fileDescriptor(gate.replyWrite),
            timeout: .seconds(60))
        let running = try process.spawn()
        gate.closeChildEnds()
        #expect(gate.readLine() == "named")
        let stat = try #require(ProcFS.stat(running.processID))
        gate.release()
        #expect(stat.command == Array("a) b (c".utf8))
        #expect(stat.processID == running.processID)
        #expect(stat.parentProcessID == getpid())
        #expect(running.wait().status == .exited(code: 0))
    }
}
