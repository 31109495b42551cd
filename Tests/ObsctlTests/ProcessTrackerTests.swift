import ObserverReporting
import ProcessObserver
import Testing

/// The one reading of process events that the report and the OTLP mapper share: each sequence of
/// forks, execs and exits against the exact records, parents and roots it must leave.
@Suite("Process tracker")
struct ProcessTrackerTests {
    /// One event of a sequence; the nth event of a sequence happens at `1_000 + n * 10` ns.
    enum Step: Sendable {
        case started(Int32, String)
        case fork(parent: Int32, child: Int32)
        case exec(Int32, String, errno: Int64 = 0)
        case exit(Int32, code: Int32)
        /// The launcher's word on the run's end (`exited`).
        case exited(Int32, code: Int32)
        /// A file event, from a process whose parent (as the kernel reported it) is `ppid`.
        case open(Int32, ppid: Int32?)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rootProcessID: Int32? = nil
        var steps: [Step]
        /// Each record: `pid ppid start[?] program execs exit`, `?` when the start is a first
        /// sighting, `-` for no parent or no exit.
        var records: [String]
        var roots: [Int]
        /// The record each pid names once the sequence is read.
        var current: [Int32: Int]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "fork, exec and exit",
            steps: [
                .started(10, "/bin/sh"), .fork(parent: 10, child: 11), .exec(11, "/bin/ls"), .exit(11, code: 0),
                .exited(10, code: 0),
            ],
            records: ["10 - 1010 /bin/sh 0 1050:0", "11 10 1020 /bin/ls 1 1040:0"], roots: [0],
            current: [10: 0, 11: 1]),
        Case(
            name: "a failed exec keeps the program forked from; an exec with no argv runs its path",
            steps: [
                .started(10, "/bin/sh"), .fork(parent: 10, child: 11), .exec(11, "/nope/cc", errno: -2),
                .fork(parent: 10, child: 12), .exec(12, "/bin/true"), .exit(11, code: 127),
            ],
            records: ["10 - 1010 /bin/sh 0 -", "11 10 1020 /bin/sh 1 1060:127", "12 10 1040 /bin/true 1 -"],
            roots: [0], current: [10: 0, 11: 1, 12: 2]),
        Case(
            name: "a pid forked again after its exit is a new record, and the pid names it from then on",
            steps: [
                .started(10, "/bin/sh"), .fork(parent: 10, child: 20), .exit(20, code: 0), .open(20, ppid: 10),
                .fork(parent: 10, child: 20), .exec(20, "/bin/ls"), .exit(20, code: 1),
            ],
            records: ["10 - 1010 /bin/sh 0 -", "20 10 1020 /bin/sh 0 1030:0", "20 10 1050 /bin/ls 1 1070:1"],
            roots: [0], current: [10: 0, 20: 2]),
        Case(
            name: "a pid forked again without an exit keeps its record and its first start",
            steps: [.started(10, "/bin/sh"), .fork(parent: 10, child: 20), .fork(parent: 10, child: 20)],
            records: ["10 - 1010 /bin/sh 0 -", "20 10 1020 /bin/sh 0 -"], roots: [0], current: [10: 0, 20: 1]),
        Case(
            name:
                "a pid first seen by a later event is recorded then, under its reported parent; its fork then counts as its start",
            steps: [
                .started(10, "/bin/sh"), .open(30, ppid: 10), .open(40, ppid: 5), .exit(50, code: 2),
                .fork(parent: 10, child: 30),
            ],
            records: [
                "10 - 1010 /bin/sh 0 -", "30 10 1020 /bin/sh 0 -", "40 - 1030? x 0 -", "50 - 1040? x 0 1040:2",
            ], roots: [0, 2, 3], current: [10: 0, 30: 1, 40: 2, 50: 3]),
        Case(
            name: "a fork from a parent never seen records the parent first, as a root",
            steps: [.fork(parent: 7, child: 8), .exec(8, "/bin/ls")],
            records: ["7 - 1010? x 0 -", "8 7 1010 /bin/ls 1 -"], roots: [0], current: [7: 0, 8: 1]),
        Case(
            name: "the root named by the header takes no parent from its first event",
            rootProcessID: 10,
            steps: [.open(10, ppid: 1), .open(11, ppid: 10)],
            records: ["10 - 1010? x 0 -", "11 10 1020? x 0 -"], roots: [0], current: [10: 0, 11: 1]),
        Case(
            name: "exited completes the run's end without making a record, and does not replace an exit",
            steps: [
                .started(10, "/bin/sh"), .exit(10, code: 3), .exited(10, code: 0), .exited(60, code: 0),
            ],
            records: ["10 - 1010 /bin/sh 0 1020:3"], roots: [0], current: [10: 0]),
    ]

    @Test("a sequence of events leaves exactly these records", arguments: cases)
    func sequence(_ c: Case) {
        var tracker = ProcessTracker(rootProcessID: c.rootProcessID)
        for (n, step) in c.steps.enumerated() { tracker.add(Self.event(step, at: 1_000 + UInt64(n + 1) * 10)) }
        #expect(tracker.processes.map(Self.describe) == c.records)
        #expect(tracker.roots == c.roots)
        var current: [Int32: Int] = [:]
        for p in tracker.processes { current[p.processID] = tracker.index(of: p.processID) }
        #expect(current == c.current)
        // Children point back at their parent's record.
        for (i, p) in tracker.processes.enumerated() {
            for child in p.children { #expect(tracker.processes[child].parentProcessID == p.processID, "record \(i)") }
        }
    }

    static func describe(_ p: ReportedProcess) -> String {
        let exit: String
        switch p.status {
        case .exited(let code): exit = "\(p.exitNs ?? 0):\(code)"
        case .signaled(let signal, _): exit = "\(p.exitNs ?? 0):sig\(signal)"
        case .unknown: exit = "\(p.exitNs ?? 0):?"
        case nil: exit = "-"
        }
        let parent = p.parentProcessID.map(String.init) ?? "-"
        return "\(p.processID) \(parent) \(p.startNs)\(p.startSeen ? "" : "?") \(p.executable) \(p.execs.count) \(exit)"
    }

    static func event(_ step: Step, at ns: UInt64) -> ObserverEvent {
        func make(_ pid: Int32, _ kind: EventKind, _ category: EventCategory = .process, ppid: Int32? = nil)
            -> ObserverEvent
        {
            ObserverEvent(
                seq: ns, timestampNs: ns, category: category, processID: pid, parentProcessID: ppid, command: "x",
                kind: kind)
        }
        switch step {
        case .started(let pid, let path):
            return make(pid, .started(Started(argv: [ByteString(path)], path: ByteString(path))), .lifecycle)
        case .fork(let parent, let child):
            return make(child, .fork(Fork(childProcessID: child, parentProcessID: parent)), ppid: parent)
        case .exec(let pid, let path, let errno):
            return make(
                pid,
                .exec(
                    Exec(
                        path: CapturedString(ByteString(path)), argv: [], argvTruncated: false,
                        result: SyscallResult(errno))))
        case .exit(let pid, let code):
            return make(pid, .exit(.exited(code: code)))
        case .exited(let pid, let code):
            return make(pid, .exited(.exited(code: code)), .lifecycle)
        case .open(let pid, let ppid):
            return make(
                pid, .open(FileOpen(path: CapturedString("/etc/x"), flags: 0, mode: nil, result: SyscallResult(3))),
                .file, ppid: ppid)
        }
    }
}
