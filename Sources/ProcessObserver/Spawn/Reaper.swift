import CSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One thread that notices every run's exit and enforces every run's deadlines.
///
/// Each run's pidfd is in one epoll set; the thread sleeps in `epoll_wait(2)` until a child exits
/// or the nearest deadline (timeout, or SIGKILL after a grace period) comes. A thread per child
/// would cost a thread start, a stack and several futex wakes per spawn; this costs one
/// `epoll_ctl` in and one out. No `SIGCHLD` handler is installed, so other code's children are
/// never reaped by us.
final class Reaper: @unchecked Sendable {
    static let shared = Reaper()

    private let epoll: Int32
    private let wake: (read: Int32, write: Int32)
    private let lock = ConditionLock()
    private var runs: [Int32: Run] = [:]  // by pidfd

    private init() {
        epoll = obs_epoll_create()
        precondition(epoll >= 0, "epoll_create1 failed: \(ErrnoName.name(of: -epoll))")
        var fds: [Int32] = [-1, -1]
        let rc = obs_pipe_nonblocking(&fds)
        precondition(rc == 0, "pipe2 failed: \(ErrnoName.name(of: rc))")
        wake = (fds[0], fds[1])
        _ = obs_epoll_add(epoll, wake.read)
        OSThread.detached(name: "obs-reaper") { [self] in loop() }
    }

    /// Starts watching `run`'s pidfd. The pidfd stays open until the run is reaped.
    func watch(_ run: Run) {
        lock.withLock { runs[run.pidfd.rawValue] = run }
        let rc = obs_epoll_add(epoll, run.pidfd.rawValue)
        precondition(rc == 0, "epoll_ctl(ADD) failed: \(ErrnoName.name(of: -rc))")
        if run.hasDeadline { poke() }
    }

    /// Makes the thread re-read the deadlines (after a timeout was set or `terminate()` was called).
    func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func loop() {
        var ready = [Int32](repeating: 0, count: 64)
        while true {
            let now = Clock.monotonicNs()
            let next: UInt64? = lock.withLock {
                runs.values.compactMap { $0.enforceDeadlines(now: now) }.min()
            }
            let timeoutMs = next.map { Int32(clamping: ($0 - min($0, now) + 999_999) / 1_000_000) } ?? -1
            let n = obs_epoll_wait(epoll, &ready, Int32(ready.count), timeoutMs)
            guard n > 0 else { continue }
            for fd in ready[0..<Int(n)] {
                if fd == wake.read {
                    var sink = [UInt8](repeating: 0, count: 64)
                    _ = read(wake.read, &sink, sink.count)
                    continue
                }
                let run = lock.withLock { runs.removeValue(forKey: fd) }
                _ = obs_epoll_del(epoll, fd)
                run?.reap()
            }
        }
    }
}
