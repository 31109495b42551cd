import SystemPackage

/// One thread that notices every run's exit and enforces every run's deadlines.
///
/// Each run's pidfd is in one epoll set, and, once the root has exited while the rest of its
/// tree runs on, its cgroup's `cgroup.events` (as `EPOLLPRI`); the thread sleeps in
/// `epoll_wait(2)` until a root exits, a cgroup empties, or the nearest deadline (timeout, or
/// SIGKILL after a grace period) comes. A thread per child
/// would cost a thread start, a stack and several futex wakes per spawn; this costs one
/// `epoll_ctl` in and one out. No `SIGCHLD` handler is installed, so other code's children are
/// never reaped by us.
///
/// Failures of epoll or of the wake-up pipe here can only mean a bug (or a process already out of
/// descriptors at its first spawn), so they trap with the call and errno named.
final class Reaper: @unchecked Sendable {
    static let shared = Reaper()

    private let epoll: FileDescriptor
    private let wake: (read: FileDescriptor, write: FileDescriptor)
    private let lock = ConditionLock()
    /// By watched descriptor: the root's pidfd, then its cgroup's `cgroup.events`.
    private var runs: [Int32: Run] = [:]

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

    /// Starts watching `run`'s pidfd. The pidfd stays open until the run is reaped.
    func watch(_ run: Run) {
        lock.withLock { runs[run.pidfd.rawValue] = run }
        do {
            try Syscall.epollAdd(epoll, run.pidfd)
        } catch {
            preconditionFailure("epoll_ctl(EPOLL_CTL_ADD) of a pidfd failed: \(ErrnoName.name(of: error.rawValue))")
        }
        if run.hasDeadline { poke() }
    }

    /// Watches the run's `cgroup.events` until its tree is gone (on the reaper thread). A change
    /// that came before the descriptor joined the set is seen at once: kernfs reports `EPOLLPRI`
    /// for every change since the descriptor's last read.
    private func watchTree(_ run: Run, _ events: FileDescriptor) {
        lock.withLock { runs[events.rawValue] = run }
        do {
            try Syscall.epollAddPriority(epoll, events)
        } catch {
            preconditionFailure(
                "epoll_ctl(EPOLL_CTL_ADD) of cgroup.events failed: \(ErrnoName.name(of: error.rawValue))")
        }
        if run.treeChanged() {
            lock.withLock { _ = runs.removeValue(forKey: events.rawValue) }
            try? Syscall.epollRemove(epoll, events)
        }
    }

    /// Makes the thread re-read the deadlines (after a timeout was set or `terminate()` was called).
    func poke() { Syscall.poke(wake.write) }

    private func loop() {
        while true {
            let now = Clock.monotonicNs()
            let next: UInt64? = lock.withLock {
                runs.values.compactMap { $0.enforceDeadlines(now: now) }.min()
            }
            let timeoutMs = next.map { Int32(clamping: ($0 - min($0, now) + 999_999) / 1_000_000) } ?? -1
            let ready = (try? Syscall.epollWait(epoll, timeoutMs: timeoutMs)) ?? []
            for fd in ready {
                if fd == wake.read {
                    Syscall.drainWakeups(wake.read)
                    continue
                }
                guard let run = lock.withLock({ runs[fd.rawValue] }) else { continue }
                if fd == run.pidfd {
                    lock.withLock { _ = runs.removeValue(forKey: fd.rawValue) }
                    try? Syscall.epollRemove(epoll, fd)
                    if run.reapRoot(), let cgroup = run.scope.cgroup { watchTree(run, cgroup.events) }
                } else if run.treeChanged() {
                    lock.withLock { _ = runs.removeValue(forKey: fd.rawValue) }
                    try? Syscall.epollRemove(epoll, fd)
                }
            }
        }
    }
}
