import ProcessObserver
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Forwards SIGINT and SIGTERM sent to obsctl to the observed process group.
///
/// No signal handler runs: `blockAndStart()` blocks both signals in the main thread before any
/// other thread exists (every later thread, the library's reaper included, inherits the mask), and
/// a dedicated thread takes them synchronously with `sigwait(3)`. The main thread therefore keeps
/// reading events undisturbed, the child (whose mask the spawn shim clears) receives the signal
/// and dies of it, and the run closes normally: `exited`, `profile`, summary, no zombie.
///
/// A third signal sends SIGKILL to the group, for a command that ignores the first two.
final class SignalForwarder: Sendable {
    private struct State {
        var running: RunningProcess?
        var received: [Int32] = []
    }
    private let state = Mutex(State())

    /// The signals received so far, in order.
    var received: [Int32] { state.withLock { $0.received } }

    /// Blocks SIGINT and SIGTERM in this (the main) thread and starts the waiting thread.
    /// Call before anything else starts a thread.
    static func blockAndStart() -> SignalForwarder {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let forwarder = SignalForwarder()
        let box = Unmanaged.passRetained(forwarder).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                let forwarder = Unmanaged<SignalForwarder>.fromOpaque(arg!).takeRetainedValue()
                forwarder.waitLoop()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
        return forwarder
    }

    /// Hands over the process to signal; a signal that arrived before it existed is sent now.
    func attach(_ running: RunningProcess) {
        state.withLock { state in
            state.running = running
            for signal in state.received { running.signal(signal) }
        }
    }

    /// Lets the process go once it has been reaped (its id may be reused after).
    func detach() {
        state.withLock { $0.running = nil }
    }

    private func waitLoop() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            state.withLock { state in
                state.received.append(signal)
                state.running?.signal(state.received.count >= 3 ? SIGKILL : signal)
            }
        }
    }
}
