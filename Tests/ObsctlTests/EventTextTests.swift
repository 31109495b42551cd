import ObserverReporting
import ProcessObserver
import Testing

/// The one wording of an event's parts (`EventText`), which every renderer uses.
@Suite("Event wording")
struct EventTextTests {
    static func resolved(_ path: String, deleted: Bool = false, unwalkable: Bool = false) -> ResolvedPath {
        ResolvedPath(ByteString(path), source: .workingDirectory, deleted: deleted, unwalkable: unwalkable)
    }

    @Test(
        "a path: the file, its marks, the path as passed when it says something else",
        arguments: [
            (EventPath(passed: "foo.c", absolute: resolved("/src/foo.c")), "/src/foo.c (foo.c)", "/src/foo.c"),
            (EventPath(passed: "/etc/hosts", absolute: resolved("/etc/hosts")), "/etc/hosts", "/etc/hosts"),
            (
                EventPath(passed: "gone", absolute: resolved("/t/gone", deleted: true)), "/t/gone (deleted) (gone)",
                "/t/gone"
            ),
            (EventPath(passed: "p", absolute: resolved("", unwalkable: true)), "p", "p"),
            (
                EventPath(passed: CapturedString(ByteString(""), unreadable: true), absolute: nil), "(unreadable)",
                "(unreadable)"
            ),
            (EventPath(passed: nil, absolute: nil), "(unwalkable)", "(unwalkable)"),
        ])
    func path(path: EventPath, line: String, file: String) {
        #expect(EventText.path(path) == line)
        #expect(EventText.file(path) == file)
    }

    @Test("the shell quoting shows bytes a terminal would hide")
    func shellQuoting() {
        let path = EventPath(passed: CapturedString(ByteString(bytes: [0x61, 0x0A])), absolute: nil)
        #expect(EventText.path(path, .shell) == "$'a\\n'")
    }

    @Test(
        "how a process ended",
        arguments: [
            (ProcessObserver.ExitStatus.exited(code: 3), false, "exit code 3"),
            (.signaled(signal: 11, coreDumped: true), false, "killed by SIGSEGV (11), core dumped"),
            (.signaled(signal: 9, coreDumped: false), true, "killed by SIGKILL (9) by the OOM killer"),
        ])
    func exit(status: ProcessObserver.ExitStatus, oom: Bool, text: String) {
        #expect(EventText.exit(status, killedByOOM: oom) == text)
    }

    @Test(
        "a peak RSS: the figure, and the image's own when an exec replaced a larger one; none without a figure",
        arguments: [
            (ProcessEnd(.exited(code: 0), peakRSSBytes: 210_866_176), "peak rss 201.1 MiB"),
            (
                ProcessEnd(.exited(code: 0), peakRSSBytes: 24_313_856, imagePeakRSSBytes: 1_105_920),
                "peak rss 23.2 MiB (1.1 MiB since its exec)"
            ),
            (ProcessEnd(.exited(code: 0), peakRSSBytes: 1_105_920, imagePeakRSSBytes: 1_105_920), "peak rss 1.1 MiB"),
            (ProcessEnd(.exited(code: 0), imagePeakRSSBytes: 1_105_920), nil),
        ] as [(ProcessEnd, String?)])
    func peakRSS(end: ProcessEnd, text: String?) {
        #expect(EventText.peakRSS(end) == text)
    }

    @Test("a call, its errno when it failed, what it acted on; a result as strace writes it")
    func callAndResult() {
        #expect(EventText.call("open", errno: nil, "/etc/hosts") == "open /etc/hosts")
        #expect(EventText.call("exec", errno: "ENOENT", "/x") == "exec ENOENT /x")
        #expect(EventText.call("bind", errno: "EADDRINUSE") == "bind EADDRINUSE")
        #expect(EventText.result(SyscallResult(-2)) == "= -2 ENOENT")
        #expect(EventText.result(SyscallResult(3)) == "= 3")
    }
}
