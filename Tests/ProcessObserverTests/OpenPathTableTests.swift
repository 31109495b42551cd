import Testing

@testable import ProcessObserver

/// `OpenPathTable`: how a close whose record names no path (`OBS_SOURCE_OPENED`) gets its open's.
@Suite("Open path table")
struct OpenPathTableTests {
    static func event(_ pid: Int32, _ kind: EventKind) -> ObserverEvent {
        ObserverEvent(timestampNs: 1, category: .file, processID: pid, kind: kind)
    }

    static func open(_ path: String, fd: Int64, source: ResolvedPath.Source = .file) -> EventKind {
        .open(
            FileOpen(
                path: CapturedString(ByteString(path)), flags: 0, mode: nil, result: SyscallResult(fd),
                absolutePath: ResolvedPath(ByteString(path), source: source)))
    }

    static func close(fd: Int32, path: String = "") -> EventKind {
        .close(
            FileClose(
                fd: fd, path: CapturedString(ByteString(path)), absolutePath: nil, bytesRead: 1, bytesWritten: 0,
                reads: 1, writes: 0, openNs: nil, closedBy: .close))
    }

    /// What `track` made of each event: the close's path, or "-" for the other kinds.
    static func run(_ steps: [(pid: Int32, kind: EventKind, fromOpen: Bool)]) -> [String] {
        var table = OpenPathTable()
        return steps.map { step in
            var e = event(step.pid, step.kind)
            table.track(&e, pathFromOpen: step.fromOpen)
            guard case .close(let c) = e.kind else { return "-" }
            let abs = c.absolutePath.map { $0.unwalkable ? "unwalkable" : $0.value.string } ?? "nil"
            return "\(c.path.value.string)|\(c.path.unreadable ? "unreadable" : "read")|\(abs)"
        }
    }

    @Test(
        "a close from its open gets the open's path; one whose open was not seen says unreadable; others keep theirs",
        arguments: [
            ([(Int32(10), open("/a", fd: 3), false), (10, close(fd: 3), true)], ["-", "/a|read|/a"]),
            // The descriptor is forgotten at its close: a second close from the same open finds nothing.
            (
                [(10, open("/a", fd: 3), false), (10, close(fd: 3), true), (10, close(fd: 3), true)],
                ["-", "/a|read|/a", "|unreadable|unwalkable"]
            ),
            // Another process's descriptor 3 is another key.
            ([(10, open("/a", fd: 3), false), (11, close(fd: 3), true)], ["-", "|unreadable|unwalkable"]),
            // A later open of the same number replaces the earlier.
            (
                [(10, open("/a", fd: 3), false), (10, open("/b", fd: 3), false), (10, close(fd: 3), true)],
                ["-", "-", "/b|read|/b"]
            ),
            // A failed open records nothing.
            ([(10, open("/a", fd: -2), false), (10, close(fd: 3), true)], ["-", "|unreadable|unwalkable"]),
            // A close the kernel walked keeps its own path, and still ends the descriptor.
            (
                [(10, open("/a", fd: 3), false), (10, close(fd: 3, path: "/c"), false), (10, close(fd: 3), true)],
                ["-", "/c|read|nil", "|unreadable|unwalkable"]
            ),
        ] as [([(Int32, EventKind, Bool)], [String])])
    func closes(steps: [(Int32, EventKind, Bool)], expected: [String]) {
        #expect(Self.run(steps.map { (pid: $0.0, kind: $0.1, fromOpen: $0.2) }) == expected)
    }

    @Test("a process's exit forgets its descriptors")
    func exit() {
        var table = OpenPathTable()
        table.opened(processID: 10, fd: 3, path: ResolvedPath(ByteString("/a"), source: .file))
        table.exited(processID: 10)
        #expect(table.closed(processID: 10, fd: 3) == nil)
    }
}
