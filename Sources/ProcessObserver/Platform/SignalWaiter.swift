import Glibc

/// Takes signals sent to this process synchronously, on a thread of its own, so no signal
/// handler ever runs (a CLI that forwards SIGINT to the process it observes, say).
///
/// `start` blocks the signals in the calling thread; every thread started after it inherits the
/// mask (the library's reaper, sampler and ring-buffer threads included), so the signals stay
/// pending until the waiting thread takes them with `sigwait(3)`. Children started by
/// `NativeProcess` get an empty mask and default dispositions, so they receive what is forwarded
/// to them. Call `start` first thing on the main thread, before anything starts a thread.
package final class SignalWaiter: Sendable {
    private let signals: [Int32]
    private let handler: @Sendable (Int32) -> Void

    private init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        self.handler = handler
    }

    /// Blocks `signals` in this thread (`pthread_sigmask(3)`) and starts the thread that calls
    /// `handler` with each one received, in order. The waiter lives as long as the process.
    package static func start(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> SignalWaiter {
        let waiter = SignalWaiter(signals: signals, handler: handler)
        var set = waiter.signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        OSThread.detached(name: "obs-signals") { waiter.loop() }
        return waiter
    }

    /// Ignores `signal` process-wide (`signal(2)` with `SIG_IGN`): SIGPIPE, so that a write to a
    /// reader that went away fails with EPIPE instead of killing the process.
    package static func ignore(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_IGN)
    }

    private func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }

    /// Backed by `sigwait(3)`.
    private func loop() {
        var set = signalSet()
        while true {
            var signal: Int32 = 0
            guard sigwait(&set, &signal) == 0 else { continue }
            handler(signal)
        }
    }
}
