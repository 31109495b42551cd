import Synchronization

/// Keeps a probe's result for the process's lifetime once it is conclusive. A result from a
/// probe that failed (`ProbeOutcome.failed`) is returned but not kept, so the next call probes
/// again instead of repeating a non-answer forever.
final class ProbeCache<Value: Sendable>: Sendable {
    private let stored = Mutex<Value?>(nil)

    init() {}

    /// The kept value, or the result of `probe`, kept when `isConclusive` says so. Concurrent
    /// callers wait for one probe.
    func value(probe: () -> Value, isConclusive: (Value) -> Bool) -> Value {
        stored.withLock { stored in
            if let stored { return stored }
            let value = probe()
            if isConclusive(value) { stored = value }
            return value
        }
    }
}
