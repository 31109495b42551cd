import ObserverReporting
import Testing

@testable import ProcessObserver

/// The SYSCALLS section's model without a run: summaries merged across processes, each
/// syscall's longest call found in the process that made it, errors joined to the failed
/// events' paths by the kinds each syscall makes, and the time wording.
@Suite("Syscall report model")
struct SyscallReportModelTests {
    private var seq: UInt64 = 0

    private mutating func event(_ pid: Int32, _ kind: EventKind, ppid: Int32? = nil) -> ObserverEvent {
        seq += 1
        return ObserverEvent(
            seq: seq, timestampNs: 1_000 + seq * 10, category: kind.category, processID: pid, parentProcessID: ppid,
            command: "x", kind: kind)
    }

    private static func count(
        _ name: String, _ nr: Int, calls: UInt64, errnos: [String: UInt64] = [:], total: UInt64, min: UInt64,
        max: UInt64
    ) -> SyscallCount {
        SyscallCount(
            name: name, number: nr, calls: calls, errors: errnos.values.reduce(0, +), errnos: errnos, totalNs: total,
            minNs: min, maxNs: max, histogram: [calls])
    }

    @Test("two processes: the merged table, each syscall's longest call in its process, errors joined to paths")
    mutating func twoProcesses() {
        var b = RunReportBuilder(header: nil)
        b.add(event(10, .started(Started(argv: ["make"], path: "/usr/bin/make"))))
        b.add(event(11, .fork(Fork(childProcessID: 11, parentProcessID: 10)), ppid: 10))
        b.add(
            event(
                11,
                .exec(
                    Exec(path: "/usr/bin/cc", argv: ["cc"], argvTruncated: false, result: SyscallResult(0)))))
        for path in ["/a", "/a", "/b"] {
            b.add(
                event(
                    11,
                    .open(
                        FileOpen(path: CapturedString(ByteString(path)), flags: 0, mode: nil, result: SyscallResult(-2))
                    )))
        }
        b.add(event(11, .unlink(PathOperation(path: "/gone", result: SyscallResult(-2)))))
        b.add(event(11, .rmdir(PathOperation(path: "/gonedir", result: SyscallResult(-2)))))
        b.add(event(11, .open(FileOpen(path: "/ok", flags: 0, mode: nil, result: SyscallResult(3)))))
        b.add(
            event(
                11,
                .syscalls(
                    SyscallSummary(syscalls: [
                        Self.count("openat", 257, calls: 4, errnos: ["ENOENT": 3], total: 400, min: 50, max: 200),
                        Self.count("unlinkat", 263, calls: 2, errnos: ["ENOENT": 2], total: 100, min: 40, max: 60),
                        Self.count("read", 0, calls: 1, total: 30, min: 30, max: 30),
                    ]))))
        b.add(event(11, .exit(.exited(code: 0))))
        b.add(
            event(
                10,
                .syscalls(
                    SyscallSummary(
                        syscalls: [
                            Self.count("openat", 257, calls: 1, total: 900, min: 900, max: 900),
                            Self.count(
                                "newfstatat", 262, calls: 3, errnos: ["ENOENT": 1, "other": 1], total: 9, min: 1, max: 5
                            ),
                        ], dropped: 2))))
        let report = b.finish(coverage: RecordingCoverage())
        let s = report.syscalls
        #expect(!s.isEmpty)
        #expect(s.processes.map(\.program) == ["cc", "make"])
        #expect(s.tree.dropped == 2)
        #expect(s.tree.syscalls.map(\.name) == ["openat", "unlinkat", "read", "newfstatat"])
        let openat = s.tree.syscalls[0]
        #expect(openat.calls == 5 && openat.errors == 3 && openat.totalNs == 1300)
        #expect(openat.minNs == 50 && openat.maxNs == 900)
        #expect(
            s.slowest.map { "\($0.name) \($0.maxNs) \($0.program) \($0.processID)" } == [
                "openat 900 make 10", "unlinkat 60 cc 11", "read 30 cc 11", "newfstatat 5 make 10",
            ])
        #expect(s.slowest[0].calls == 5 && s.slowest[0].meanNs == 260)
        #expect(s.errnos.map { "\($0.errno) \($0.count)" } == ["ENOENT 6", "other 1"])
        #expect(
            s.failures.map { "\($0.syscall) \($0.errno) \($0.count) \($0.eventKinds)" } == [
                "openat ENOENT 3 [\"open\"]", "unlinkat ENOENT 2 [\"unlink\", \"rmdir\"]",
                "newfstatat ENOENT 1 []", "newfstatat other 1 []",
            ])
        #expect(s.failures[0].paths.top(10).map { "\($0.path) \($0.count)" } == ["/a 2", "/b 1"])
        #expect(s.failures[1].paths.top(10).map { "\($0.path) \($0.count)" } == ["/gone 1", "/gonedir 1"])
        #expect(s.failures[2].paths.isEmpty)
    }

    @Test("a recording without syscalls events makes an empty section")
    mutating func empty() {
        var b = RunReportBuilder(header: nil)
        b.add(event(10, .started(Started(argv: ["true"], path: "/usr/bin/true"))))
        b.add(event(10, .open(FileOpen(path: "/x", flags: 0, mode: nil, result: SyscallResult(-2)))))
        let s = b.finish(coverage: RecordingCoverage()).syscalls
        #expect(s.isEmpty)
        #expect(s.tree.syscalls.isEmpty && s.slowest.isEmpty && s.failures.isEmpty && s.errnos.isEmpty)
    }

    @Test("each streamed syscall's event kinds are the kernel side's (ObservedSyscall), unlinkat's rmdir added")
    func kindsOfEachSyscall() {
        var expected: [String: [String]] = [:]
        for syscall in ObservedSyscall.all { expected[syscall.name] = [syscall.kind] }
        expected["unlinkat"] = ["unlink", "rmdir"]
        #if arch(x86_64)
            let shared = SyscallReport.eventKinds
        #else
            // Not every architecture has the legacy calls: the table names them all.
            let shared = SyscallReport.eventKinds.filter { expected[$0.key] != nil }
        #endif
        #expect(shared == expected)
    }

    @Test(
        "a call's time in the unit that fits",
        arguments: [
            (UInt64(0), "0 ns"), (812, "812 ns"), (1_000, "1.00 µs"), (41_260, "41.3 µs"), (999_000, "999 µs"),
            (12_000_000, "12.0 ms"), (1_250_000_000, "1.25 s"), (61_000_000_000, "61.0 s"),
        ])
    func duration(ns: UInt64, text: String) {
        #expect(ReportText.duration(ns) == text)
    }
}
