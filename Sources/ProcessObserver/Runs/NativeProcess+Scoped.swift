/// What a scoped run returns: the body's value and how the run ended.
public struct RunOutcome<Value: Sendable>: Sendable {
    /// What the body returned.
    public var value: Value
    /// How the process ended, what it cost, and any captured output.
    public var result: ProcessResult
}

extension NativeProcess {
    /// Runs the command, observed: `body` gets a subscriber that exists before the command's
    /// first instruction, and the run's end is awaited after it returns, so a late subscriber is
    /// impossible and nothing of the run outlives the scope.
    ///
    /// ```swift
    /// let outcome = try await NativeProcess(.name("make")).run(observing: .lifecycle(.file)) { events in
    ///     var opened = 0
    ///     for await event in events { if case .open = event.kind { opened += 1 } }
    ///     return opened
    /// }
    /// print(outcome.value, outcome.result.status)
    /// ```
    ///
    /// When `body` throws, every process of the run is ended (SIGTERM, then SIGKILL after the
    /// grace period), the run is awaited, and the error is rethrown. A body that returns before
    /// reading every event leaves the rest in its subscriber, which is dropped with the scope.
    /// Throws `ObserverError` when the command cannot be started (as `spawn()`).
    public func run<Value: Sendable>(
        observing config: ObserverConfig = .lifecycle(),
        _ body: (ObserverSubscriber) async throws -> Value
    ) async throws -> RunOutcome<Value> {
        let events = withObserver(config)
        let running = try spawn()
        let value: Value
        do {
            value = try await body(events)
        } catch {
            running.terminate()
            _ = await running.result
            throw error
        }
        return RunOutcome(value: value, result: await running.result)
    }
}
