import ProcessObserver
import Testing

/// The facts every renderer asks of an event kind (`EventKind+Facts.swift`), above all the one
/// failure rule: a negative result fails, except a non-blocking connect's `EINPROGRESS`.
@Suite("Event kind facts")
struct EventKindFactsTests {
    static let inet = SocketAddress.ipv4(address: "127.0.0.1", port: 8080)

    @Test(
        "failed: a negative result, a loss or a limit; not EINPROGRESS of connect, not an exit status",
        arguments: [
            (EventKind.connect(SocketOperation(fd: 3, address: inet, result: SyscallResult(-115))), false),
            (.connect(SocketOperation(fd: 3, address: inet, result: SyscallResult(-111))), true),
            (.connect(SocketOperation(fd: 3, address: inet, result: SyscallResult(0))), false),
            (.bind(SocketOperation(fd: 3, address: inet, result: SyscallResult(-98))), true),
            (.open(FileOpen(path: "a", flags: 0, mode: nil, result: SyscallResult(-2))), true),
            (.open(FileOpen(path: "a", flags: 0, mode: nil, result: SyscallResult(3))), false),
            (.lost(Lost(count: 1, source: .kernel)), true),
            (.limit(LimitReached(resource: .pids, count: 1, limit: 4)), true),
            (.exit(ProcessEnd(.exited(code: 1))), false),
        ])
    func failed(kind: EventKind, failed: Bool) {
        #expect(kind.failed == failed)
    }

    @Test("EINPROGRESS is still the connect's errno")
    func inProgressErrno() {
        let kind = EventKind.connect(SocketOperation(fd: 3, address: Self.inet, result: SyscallResult(-115)))
        #expect(kind.errno == 115)
        #expect(kind.errnoName == "EINPROGRESS")
    }

    @Test("paths, fd and peer: a rename's two paths, a listen's descriptor, a connect's peer")
    func pathsFDPeer() {
        let rename = EventKind.rename(Rename(path: "a", newPath: "b", result: SyscallResult(0)))
        #expect(rename.paths.map(\.passed) == ["a", "b"])
        #expect(rename.fd == nil)
        let listen = EventKind.listen(Listen(fd: 4, backlog: 8, result: SyscallResult(0)))
        #expect(listen.fd == 4)
        #expect(listen.paths == [])
        let connect = EventKind.connect(SocketOperation(fd: 3, address: Self.inet, result: SyscallResult(0)))
        #expect(connect.peer == Self.inet)
        #expect(connect.category == .network)
        let fchdir = EventKind.fchdir(ChangeDirectory(path: nil, fd: 5, absolutePath: nil, result: SyscallResult(0)))
        #expect(fchdir.fd == 5)
        #expect(fchdir.paths.map(\.passed) == [nil])
    }
}
