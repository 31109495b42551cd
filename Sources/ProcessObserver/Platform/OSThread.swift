import CSpawn
import Glibc

/// A dedicated OS thread, for work that blocks in syscalls (reaping, polling the ring buffer,
/// sampling) and so must stay off the Swift concurrency pool. The only file that calls
/// `pthread_create(3)`, `pthread_join(3)` and `pthread_detach(3)`: part of the platform seam.
final class OSThread: @unchecked Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    private var thread = pthread_t()

    private let joinable: Bool

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept, as the kernel's comm).
    /// A thread that is not `joinable` is detached at once: its stack is freed when it returns.
    /// A joinable one must be joined exactly once, or its stack stays mapped for good.
    init(name: String, joinable: Bool = true, _ body: @escaping @Sendable () -> Void) {
        self.joinable = joinable
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                let body = Unmanaged<Body>.fromOpaque(arg!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        _ = String(name.prefix(15)).withCString { obs_set_thread_name(thread, $0) }
        if !joinable { pthread_detach(thread) }
    }

    /// Starts a detached thread.
    static func detached(name: String, _ body: @escaping @Sendable () -> Void) {
        _ = OSThread(name: name, joinable: false, body)
    }

    /// Waits for the thread to return. Call once.
    func join() {
        precondition(joinable, "join() on a detached thread")
        pthread_join(thread, nil)
    }
}
