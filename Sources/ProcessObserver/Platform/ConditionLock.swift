import Glibc

/// A mutex with one condition variable, for the few places that must block a thread
/// (synchronous `recv()`, `wait()`), which `Synchronization.Mutex` cannot do.
///
/// Backed by `pthread_mutex_t` and `pthread_cond_t`, heap-allocated so they never move. The only
/// file that calls `pthread_mutex_*` and `pthread_cond_*`: part of the platform seam.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a broadcast; the caller holds the lock and re-checks its predicate.
    func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits until a broadcast or the monotonic deadline (nanoseconds); false on timeout.
    func wait(untilMonotonicNs deadline: UInt64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &ts) == 0
    }

    func broadcast() { pthread_cond_broadcast(cond) }
}
