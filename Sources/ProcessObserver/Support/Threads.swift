import CSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A dedicated OS thread, for work that blocks in syscalls (reaping, polling the ring buffer,
/// sampling) and so must stay off the Swift concurrency pool.
final class OSThread: @unchecked Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    private var thread = pthread_t()

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept, as the kernel's comm).
    init(name: String, _ body: @escaping @Sendable () -> Void) {
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
    }

    /// Waits for the thread to return. Call once.
    func join() { pthread_join(thread, nil) }
}
