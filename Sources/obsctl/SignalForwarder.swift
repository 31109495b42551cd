import ProcessObserver
import Synchronization

/// Forwards SIGINT and SIGTERM sent to obsctl to every process of the run (its cgroup), or, with `--pid`,
/// turns them into "stop observing" (the attached process is not ours to signal).
///
/// No signal handler runs: `blockAndStart()` has the library's `SignalWaiter` block both signals
/// in the main thread before any other thread exists (every later thread, the library's reaper
/// included, inherits the mask) and take them synchronously on a thread of its own. The main thread therefore keeps
/// reading events undisturbed, the child (whose mask the spawn shim clears) receives the signal
/// and dies of it, and the run closes normally: `exited`, `profile`, summary, no zombie.
///
/// A command that ignores the signal is killed (its whole cgroup) after the grace period, or at
/// once when a second signal arrives (`RunningProcess.interrupt`).
final class SignalForwarder: Sendable {
    /// What a signal does to the run: gets the signal and how many obsctl has received so far
    /// (this one included).
    typealias Delivery = @Sendable (_ signal: Int32, _ ordinal: Int) -> Void

    private struct State {
        var deliver: Delivery?
        var received: [Int32] = []
    }
    private let state = Mutex(State())

    /// SIGPIPE, which obsctl ignores (a reader that went away is noticed as EPIPE).
    static let brokenPipe = SignalNumber.brokenPipe

    /// The signals received so far, in order.
    var received: [Int32] { state.withLock { $0.received } }

    /// Blocks SIGINT and SIGTERM in this (the main) thread and starts the waiting thread.
    /// Call before anything else starts a thread.
    static func blockAndStart() -> SignalForwarder {
        let forwarder = SignalForwarder()
        _ = SignalWaiter.start([SignalNumber.interrupt, SignalNumber.terminate]) { forwarder.received($0) }
        return forwarder
    }

    /// Forwards to every process of a started command's run; the library kills what is left
    /// after the grace period, or at once on the second signal.
    func attach(_ running: RunningProcess) {
        attach { signal, _ in running.interrupt(signal) }
    }

    /// Hands over what a signal does; a signal that arrived before is delivered now.
    func attach(_ deliver: @escaping Delivery) {
        state.withLock { state in
            state.deliver = deliver
            for (index, signal) in state.received.enumerated() { deliver(signal, index + 1) }
        }
    }

    /// Lets the process go once it has been reaped (its id may be reused after).
    func detach() {
        state.withLock { $0.deliver = nil }
    }

    private func received(_ signal: Int32) {
        state.withLock { state in
            state.received.append(signal)
            state.deliver?(signal, state.received.count)
        }
    }
}
