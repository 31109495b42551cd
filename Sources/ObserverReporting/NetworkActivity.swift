import ProcessObserver

/// What the run did on the network, from the `network` events (`Docs/REPORT.md`, Network).
public struct NetworkActivity: Sendable, Hashable {
    /// Connections to one peer.
    public struct Peer: Sendable, Hashable {
        public var attempts = 0
        /// Returned 0: connected.
        public var connected = 0
        /// `EINPROGRESS`: a non-blocking connect under way (its outcome is not in the events).
        public var inProgress = 0
        /// Failures by errno name.
        public var failures: [String: Int] = [:]
        public var failed: Int { failures.values.reduce(0, +) }
    }

    /// connect() by destination (`127.0.0.1:8080`, `[::1]:443`, `/run/x.sock`, `@abstract`).
    public var peers: [String: Peer] = [:]
    /// Successful listen() by the address its socket was bound to, with how many listens.
    public var listening: [String: Int] = [:]
    /// Successful bind() by address.
    public var bound: [String: Int] = [:]
    /// Successful accept() by the listening address (or `fd N` when its bind was not seen).
    public var accepted: [String: Int] = [:]
    /// Failed bind, listen and accept, by `kind errno` (`bind EADDRINUSE`).
    public var otherFailures: [String: Int] = [:]

    /// The address each (process, socket) was bound to, to name listens and accepts.
    private var boundSockets: [SocketKey: String] = [:]
    private struct SocketKey: Hashable, Sendable {
        var processID: Int32
        var fd: Int32
    }

    public init() {}

    public var connectAttempts: Int { peers.values.reduce(0) { $0 + $1.attempts } }
    public var connectFailures: Int { peers.values.reduce(0) { $0 + $1.failed } }

    mutating func add(_ event: ObserverEvent) {
        switch event.kind {
        case .started, .exited, .sample, .lost, .limit, .profile, .fork, .exec, .exit, .syscalls, .open, .unlink,
            .rmdir,
            .mkdir, .rename, .chdir, .fchdir, .link, .symlink, .close, .socketClose, .dns:
            return  // not network activity: the process tree and `FileActivity` count these
        case .connect(let op):
            let peer = EventText.address(op.address)
            peers[peer, default: Peer()].attempts += 1
            if op.result.succeeded {
                peers[peer]!.connected += 1
            } else if !event.kind.failed {  // EINPROGRESS: under way, not failed (`EventKind.failed`)
                peers[peer]!.inProgress += 1
            } else {
                peers[peer]!.failures[op.result.errnoName ?? "E?", default: 0] += 1
            }
        case .bind(let op):
            guard op.result.succeeded else {
                return otherFailures[EventText.call("bind", errno: op.result.errnoName), default: 0] += 1
            }
            let address = EventText.address(op.address)
            bound[address, default: 0] += 1
            boundSockets[SocketKey(processID: event.processID, fd: op.fd)] = address
        case .listen(let listen):
            guard listen.result.succeeded else {
                return otherFailures[EventText.call("listen", errno: listen.result.errnoName), default: 0] += 1
            }
            listening[socketName(event.processID, listen.fd), default: 0] += 1
        case .accept(let op):
            guard op.result.succeeded else {
                return otherFailures[EventText.call("accept", errno: op.result.errnoName), default: 0] += 1
            }
            accepted[socketName(event.processID, op.fd), default: 0] += 1
        }
    }

    private func socketName(_ pid: Int32, _ fd: Int32) -> String {
        boundSockets[SocketKey(processID: pid, fd: fd)] ?? "fd \(fd) of \(pid)"
    }
}
