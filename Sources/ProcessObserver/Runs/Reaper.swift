import SystemPackage

/// One thread that watches every run session's descriptors and enforces every run's deadlines.
///
/// In one epoll set: each root's pidfd (spawned or attached), and each cgroup's `cgroup.events`
/// (as `EPOLLPRI`) while a spawned tree runs on after its root, or for the whole of an attached
/// cgroup's run. The thread sleeps in `epoll_wait(2)` until a root exits, a cgroup empties, a
/// session asks to stop, or the nearest deadline (timeout, or SIGKILL after a grace period)
/// comes. A thread per run would cost a thread start, a stack and several futex wakes per spawn;
/// this costs one `epoll_ctl` in and one out. No `SIGCHLD` handler is installed, so other code's
/// children are never reaped by us.
///
/// Failures of epoll or of the wake-up pipe here can only mean a bug (or a process already out of
/// descriptors at its first spawn), so they trap with the call and errno named.
final class Reaper: @unchecked Sendable {
    static let shared = Reaper()

    private let epoll: FileDescriptor
    private let wake: (read: FileDescriptor, write: FileDescriptor)
    private let lock = ConditionLock()
    /// By watched descriptor.
    private var sessions: [Int32: RunSession] = [:]

    private init() {
        do {
            epoll = try Syscall.epollCreate()
            wake = try Syscall.pipe()
            try Syscall.epollAdd(epoll, wake.read)
        } catch {
            preconditionFailure("the reaper's epoll set could not be made: \(ErrnoName.name(of: error.rawValue))")
        }
        OSThread.detached(name: "obs-reaper") { [self] in loop() }
    }

    /// Starts watching `session` (its `firstWatched` descriptor, and its limit watches), and wakes
    /// the thread when the session has a deadline to count (only then: a wake-up per spawn is a
    /// context switch the spawn path would pay).
    func watch(_ session: RunSession) {
        if let pidfd = session.root.pidfd {
            add(session, pidfd, priority: false)
        } else {
            addTree(session, session.root.firstWatched)
        }
        for watch in session.limitWatches { add(session, watch.fd, priority: watch.kind == .interfaceFile) }
        if session.hasDeadline { poke() }
    }

    /// Adds `fd` to the set, for `EPOLLPRI` (a cgroup interface file) or `EPOLLIN`.
    private func add(_ session: RunSession, _ fd: FileDescriptor, priority: Bool) {
        lock.withLock { sessions[fd.rawValue] = session }
        do {
            if priority { try Syscall.epollAddPriority(epoll, fd) } else { try Syscall.epollAdd(epoll, fd) }
        } catch {
            preconditionFailure(
                "epoll_ctl(EPOLL_CTL_ADD) of \(priority ? "a cgroup file" : "a pidfd or eventfd") failed: "
                    + ErrnoName.name(of: error.rawValue))
        }
    }

    /// Adds a tree's `cgroup.events`; a change that came before it joined is seen at once:
    /// kernfs reports `EPOLLPRI` for every change since the descriptor's last read, and the
    /// session reads it now.
    private func addTree(_ session: RunSession, _ events: FileDescriptor) {
        add(session, events, priority: true)
        handle(session, events)
    }

    /// Every descriptor of `session` leaves the set: it is closing.
    private func removeAll(of session: RunSession) {
        let fds = lock.withLock { sessions.filter { $0.value === session }.map(\.key) }
        for fd in fds { remove(FileDescriptor(rawValue: fd)) }
    }

    private func remove(_ fd: FileDescriptor) {
        lock.withLock { _ = sessions.removeValue(forKey: fd.rawValue) }
        try? Syscall.epollRemove(epoll, fd)
    }

    /// A descriptor leaves the set (and the map) before the session can close it: its number
    /// may be reused at once by another thread's new run, whose entry must not be removed.
    private func handle(_ session: RunSession, _ fd: FileDescriptor) {
        // A pidfd is ready once, for good, and the session closes it when it reaps.
        let pidfd = session.root.pidfd == fd
        if pidfd { remove(fd) }
        switch session.ready(fd) {
        case .keep:
            break
        case .watch(let next):
            if !pidfd { remove(fd) }
            addTree(session, next)
        case .finish:
            removeAll(of: session)
            session.finish()
        }
    }

    /// Makes the thread re-read the deadlines and stop requests.
    func poke() { Syscall.poke(wake.write) }

    private func loop() {
        while true {
            let now = Clock.monotonicNs()
            let (next, stopping): (UInt64?, [RunSession]) = lock.withLock {
                var next: UInt64?
                var stopping: [RunSession] = []
                var seen = Set<ObjectIdentifier>()
                for session in sessions.values where seen.insert(ObjectIdentifier(session)).inserted {
                    let tick = session.tick(now: now)
                    if let n = tick.next { next = min(next ?? n, n) }
                    if tick.stop { stopping.append(session) }
                }
                return (next, stopping)
            }
            for session in stopping {
                removeAll(of: session)
                session.finish()
            }
            let timeoutMs = next.map { Int32(clamping: ($0 - min($0, now) + 999_999) / 1_000_000) } ?? -1
            let ready = (try? Syscall.epollWait(epoll, timeoutMs: stopping.isEmpty ? timeoutMs : 0)) ?? []
            for fd in ready {
                if fd == wake.read {
                    Syscall.drainWakeups(wake.read)
                    continue
                }
                guard let session = lock.withLock({ sessions[fd.rawValue] }) else { continue }
                handle(session, fd)
            }
        }
    }
}
