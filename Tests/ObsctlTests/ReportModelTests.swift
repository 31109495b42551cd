import ObserverReporting
import ProcessObserver
import Testing

/// The report model's pure parts, without a run or root: the process records a stream of events
/// makes (reused pids, first sightings, PATH searches), folding, the bounded path tables and the
/// address names.
@Suite("Report model")
struct ReportModelTests {
    private var seq: UInt64 = 0

    private mutating func event(_ pid: Int32, _ kind: EventKind, category: EventCategory = .process, ppid: Int32? = nil)
        -> ObserverEvent
    {
        seq += 1
        return ObserverEvent(
            seq: seq, timestampNs: 1_000 + seq * 10, category: category, processID: pid, parentProcessID: ppid,
            command: "x", kind: kind)
    }

    private mutating func fork(_ parent: Int32, _ child: Int32) -> ObserverEvent {
        event(child, .fork(Fork(childProcessID: child, parentProcessID: parent)), ppid: parent)
    }

    private mutating func exec(_ pid: Int32, _ path: String, errno: Int64 = 0) -> ObserverEvent {
        event(
            pid,
            .exec(
                Exec(
                    path: CapturedString(ByteString(path)), argv: [ByteString(path)], argvTruncated: false,
                    result: SyscallResult(errno))))
    }

    private mutating func exit(_ pid: Int32, _ code: Int32) -> ObserverEvent { event(pid, .exit(.exited(code: code))) }

    private func shape(_ groups: [ProcessGroup]) -> String {
        groups.map { g in
            "\(g.name)×\(g.members.count)" + (g.children.isEmpty ? "" : "(\(shape(g.children)))")
        }.joined(separator: " ")
    }

    @Test("siblings running one program fold and pool their children; a PATH search is not a failure")
    mutating func folding() {
        var b = RunReportBuilder(header: nil)
        b.add(event(10, .started(Started(argv: ["make"], path: "/usr/bin/make")), category: .lifecycle))
        for child: Int32 in [11, 12] {
            b.add(fork(10, child))
            b.add(exec(child, "/usr/local/bin/cc", errno: -2))  // PATH search: not found here…
            b.add(exec(child, "/usr/bin/cc"))  // …found here
            b.add(fork(child, child + 10))
            b.add(exec(child + 10, "/usr/lib/gcc/cc1"))
            b.add(exit(child + 10, 0))
            b.add(exit(child, 0))
        }
        b.add(fork(10, 13))
        b.add(exec(13, "/nonexistent/tool", errno: -2))  // the last exec failed: a failure
        b.add(exit(13, 127))
        let report = b.finish(coverage: RecordingCoverage())
        #expect(report.processes.count == 6)
        #expect(shape(report.foldedTree) == "make×1(cc×2(cc1×2) make×1)")
        #expect(report.failedProcesses == 1)
        #expect(report.processes.filter(\.failed).map(\.processID) == [13])
        #expect(report.processes.first { $0.processID == 13 }?.failedExec?.errno == "ENOENT")
    }

    @Test("a pid forked again after its exit is a new process; one seen only by later events is a root of its own")
    mutating func reuseAndSightings() {
        var b = RunReportBuilder(header: nil)
        b.add(event(10, .started(Started(argv: ["sh"], path: "/bin/sh")), category: .lifecycle))
        b.add(fork(10, 20))
        b.add(exit(20, 0))
        b.add(fork(10, 20))  // the same pid again
        b.add(exit(20, 1))
        b.add(
            event(
                99, .open(FileOpen(path: CapturedString("/etc/x"), flags: 0, mode: nil, result: SyscallResult(3))),
                category: .file))
        let report = b.finish(coverage: RecordingCoverage())
        #expect(report.processes.map(\.processID) == [10, 20, 20, 99])
        #expect(report.processes.map(\.status) == [nil, .exited(code: 0), .exited(code: 1), nil])
        #expect(report.processes[0].children == [1, 2])
        #expect(report.roots == [0, 3])
        #expect(report.processes[3].startSeen == false)
        #expect(report.processes[3].executable == "x")  // its comm
        #expect(report.files.read.total == 1)
    }

    @Test("a path table keeps exact totals past its capacity, counting the overflow together")
    func pathCapacity() {
        var counts = PathCounts()
        for i in 0..<(PathCounts.capacity + 5) { counts.add("/p/\(i)") }
        counts.add("/p/0", count: 3)  // an existing path still counts exactly
        counts.add("/late")  // a new one past the capacity goes to the overflow
        #expect(counts.distinct == PathCounts.capacity)
        #expect(counts.overflow == 6)
        #expect(counts.total == PathCounts.capacity + 5 + 3 + 1)
        #expect(counts.top(1).first?.path == "/p/0")
        #expect(counts.top(1).first?.count == 4)
    }

    @Test(
        "paths group by directory: everything up to the last slash, / for the root, . for bare names",
        arguments: [
            ("/usr/include/stdio.h", "/usr/include/"), ("/etc", "/"), ("f1.o", "."), ("./a/b", "./a/"),
            ("/tmp/dir/", "/tmp/dir/"),
        ])
    func directories(path: String, directory: String) {
        var counts = PathCounts()
        counts.add(path)
        #expect(counts.byDirectory(1).first?.directory == directory)
    }

    @Test(
        "socket addresses are named for people",
        arguments: [
            (SocketAddress.ipv4(address: "127.0.0.1", port: 8080), "127.0.0.1:8080"),
            (.ipv6(address: "::1", port: 443), "[::1]:443"),
            (.unix(path: CapturedString("/run/x.sock"), abstract: false), "/run/x.sock"),
            (.unix(path: CapturedString(ByteString(bytes: [0, 0x61, 0x62])), abstract: true), "@ab"),
            (.other(family: 16), "af_16"),
            (.unreadable, "(unreadable)"),
        ])
    func addresses(address: SocketAddress, text: String) {
        #expect(EventText.address(address) == text)
    }

    @Test("connects are counted by outcome: connected, in progress, failed by errno; listens named by their bind")
    mutating func network() {
        var b = RunReportBuilder(header: nil)
        let peer = SocketAddress.ipv4(address: "127.0.0.1", port: 80)
        for result: Int64 in [0, -115, -111, -111] {
            b.add(
                event(
                    5, .connect(SocketOperation(fd: 3, address: peer, result: SyscallResult(result))),
                    category: .network))
        }
        let local = SocketAddress.ipv4(address: "0.0.0.0", port: 8080)
        b.add(event(5, .bind(SocketOperation(fd: 4, address: local, result: SyscallResult(0))), category: .network))
        b.add(event(5, .listen(Listen(fd: 4, backlog: 8, result: SyscallResult(0))), category: .network))
        b.add(event(5, .accept(SocketOperation(fd: 4, address: peer, result: SyscallResult(6))), category: .network))
        b.add(event(5, .bind(SocketOperation(fd: 7, address: local, result: SyscallResult(-98))), category: .network))
        let n = b.finish(coverage: RecordingCoverage()).network
        let stats = n.peers["127.0.0.1:80"]
        #expect(stats?.attempts == 4)
        #expect(stats?.connected == 1)
        #expect(stats?.inProgress == 1)
        #expect(stats?.failures == ["ECONNREFUSED": 2])
        #expect(n.listening == ["0.0.0.0:8080": 1])
        #expect(n.accepted == ["0.0.0.0:8080": 1])
        #expect(n.otherFailures == ["bind EADDRINUSE": 1])
    }
}
