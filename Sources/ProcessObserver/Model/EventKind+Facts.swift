/// The facts of each event kind, stated once so that every renderer and consumer asks them
/// instead of re-deriving them from the payload: the category, the call's result and whether it
/// failed, the paths it names, the descriptor it acted on, the peer it talked to.
///
/// Each fact is an exhaustive switch: a new kind does not compile until it answers them.
extension EventKind {
    /// The category that carries the kind: losses, limits, samples and the profile travel with
    /// the lifecycle.
    public var category: EventCategory {
        switch self {
        case .started, .exited, .sample, .lost, .limit, .profile: .lifecycle
        case .fork, .exec, .exit, .syscalls: .process
        case .open, .unlink, .rmdir, .mkdir, .rename, .chdir, .fchdir, .link, .symlink, .close: .file
        case .connect, .accept, .bind, .listen, .socketClose, .dns: .network
        }
    }

    /// The syscall's return value, for the kinds that report one call.
    public var result: SyscallResult? {
        switch self {
        case .started, .exited, .sample, .lost, .limit, .profile, .fork, .exit, .syscalls, .close, .socketClose,
            .dns:
            nil
        case .exec(let e): e.result
        case .open(let o): o.result
        case .unlink(let p), .rmdir(let p), .mkdir(let p): p.result
        case .rename(let r): r.result
        case .chdir(let c), .fchdir(let c): c.result
        case .link(let l): l.result
        case .symlink(let l): l.result
        case .connect(let s), .accept(let s), .bind(let s): s.result
        case .listen(let l): l.result
        }
    }

    /// Whether the event reports a failure: a call that returned a negative errno, events that
    /// were lost, a limit the kernel enforced.
    ///
    /// One exception, the same for every consumer: a non-blocking `connect` that returns
    /// `EINPROGRESS` has not failed. The connection is under way and its outcome is not in the
    /// events (`Docs/EVENTS.md`, "Failures"); `errno` still says `EINPROGRESS`. A process's exit
    /// status is not a failure of the event: how a process ended is its own fact. A `dns`
    /// exchange failed when the name did not resolve (`DNSExchange.resolved`: NXDOMAIN,
    /// SERVFAIL, a refusal, no answer); a `close` never fails.
    public var failed: Bool {
        switch self {
        case .lost, .limit: return true
        case .started, .exited, .sample, .profile, .fork, .exit, .syscalls, .close, .socketClose: return false
        case .dns(let d): return !d.resolved
        case .connect(let s) where s.result.errnoName == "EINPROGRESS": return false
        case .exec, .open, .unlink, .rmdir, .mkdir, .rename, .chdir, .fchdir, .link, .symlink, .connect, .accept,
            .bind, .listen:
            return result.map { !$0.succeeded } ?? false
        }
    }

    /// The errno the call returned, when it returned one (`EINPROGRESS` included, which is not
    /// a failure: see `failed`).
    public var errno: Int32? { result?.errno }

    /// `errno`'s symbolic name (`ENOENT`).
    public var errnoName: String? { result?.errnoName }

    /// The paths the event names, primary first: the path of a file call (a rename's or a
    /// link's new name second), the program of an exec or a start, the directory of a chdir or
    /// an fchdir, a unix socket's path. A symlink's target is not among them: it is text stored
    /// in the link, not a path the call resolved. A `close` names the file closed, a socket's
    /// `close` its unix peer's path.
    public var paths: [EventPath] {
        switch self {
        case .exited, .sample, .lost, .limit, .profile, .fork, .exit, .syscalls, .listen, .dns: []
        case .close(let c): [EventPath(passed: c.path, absolute: c.absolutePath)]
        case .socketClose(let s):
            if case .unix(let path, false)? = s.peer { [EventPath(passed: path, absolute: nil)] } else { [] }
        case .started(let s): [EventPath(passed: CapturedString(s.path), absolute: nil)]
        case .exec(let e): [EventPath(passed: e.path, absolute: e.absolutePath)]
        case .open(let o): [EventPath(passed: o.path, absolute: o.absolutePath)]
        case .unlink(let p), .rmdir(let p), .mkdir(let p): [EventPath(passed: p.path, absolute: p.absolutePath)]
        case .rename(let r):
            [
                EventPath(passed: r.path, absolute: r.absolutePath),
                EventPath(passed: r.newPath, absolute: r.newAbsolutePath),
            ]
        case .chdir(let c), .fchdir(let c): [EventPath(passed: c.path, absolute: c.absolutePath)]
        case .link(let l):
            [
                EventPath(passed: l.path, absolute: l.absolutePath),
                EventPath(passed: l.newPath, absolute: l.newAbsolutePath),
            ]
        case .symlink(let l): [EventPath(passed: l.path, absolute: l.absolutePath)]
        case .connect(let s), .accept(let s), .bind(let s):
            if case .unix(let path, false) = s.address {
                [EventPath(passed: path, absolute: s.absolutePath)]
            } else {
                []
            }
        }
    }

    /// The descriptor the call acted on: a socket's, fchdir's directory, the one a `close`
    /// closed. Not a new descriptor a call returned (that is its `result`), nor an *at call's
    /// directory descriptor.
    public var fd: Int32? {
        switch self {
        case .started, .exited, .sample, .lost, .limit, .profile, .fork, .exec, .exit, .syscalls, .open, .unlink,
            .rmdir,
            .mkdir, .rename, .link, .symlink, .dns:
            nil
        case .close(let c): c.fd
        case .socketClose(let s): s.fd
        case .chdir(let c), .fchdir(let c): c.fd
        case .connect(let s), .accept(let s), .bind(let s): s.fd
        case .listen(let l): l.fd
        }
    }

    /// The socket address: connect's destination, bind's local address, accept's peer, the peer
    /// of a socket's `close` (nil when it had none). Not a DNS server.
    public var peer: SocketAddress? {
        switch self {
        case .started, .exited, .sample, .lost, .limit, .profile, .fork, .exec, .exit, .syscalls, .open, .unlink,
            .rmdir,
            .mkdir, .rename, .chdir, .fchdir, .link, .symlink, .listen, .close, .dns:
            nil
        case .socketClose(let s): s.peer
        case .connect(let s), .accept(let s), .bind(let s): s.address
        }
    }
}
