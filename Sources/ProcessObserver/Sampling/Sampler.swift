/// Periodic perf samples of the observed tree, read from `/proc`, on a dedicated thread.
final class Sampler: @unchecked Sendable {
    init(rootProcessID: Int32, interval: Duration, top: Int, hub: EventHub) {}
    func start() {}
    /// Stops the thread and returns how many samples were published.
    func stop() -> Int { 0 }
}
