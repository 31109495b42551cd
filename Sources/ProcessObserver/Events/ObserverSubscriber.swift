/// Receives one run's events, in sequence order, until the closing `profile`.
///
/// Reading is optional and may be slow: the emitter never waits for it. Events beyond the
/// configured buffer capacity are dropped and reported by a `lost` event. Letting the subscriber
/// go (deinit) detaches it and frees its buffer; the run is not disturbed.
///
/// Use the synchronous `recv()`/`tryRecv()`/`drain()`/`drain(upTo:)`, or iterate it with `for await`. One
/// asynchronous reader at a time.
public final class ObserverSubscriber: Sendable, AsyncSequence {
    public typealias Element = ObserverEvent
    let buffer: SubscriberBuffer

    init(config: ObserverConfig) {
        self.buffer = SubscriberBuffer(config: config)
    }

    /// A subscriber that has already ended, having observed nothing (a late `withObserver`).
    init(endedWith config: ObserverConfig) {
        self.buffer = SubscriberBuffer(config: config)
        buffer.observedCategories = []
        buffer.finish(with: nil)
    }

    deinit { buffer.detach() }

    public var config: ObserverConfig { buffer.config }

    /// Blocks until the next event; nil once the stream has ended (after `profile`).
    public func recv() -> ObserverEvent? { buffer.receive() }

    /// Blocks until the next event or the timeout; nil on timeout or at the end.
    public func recv(timeout: Duration) -> ObserverEvent? {
        buffer.receive(untilMonotonicNs: Clock.monotonicNs() + nanoseconds(timeout))
    }

    /// The next event if one is queued, without blocking.
    public func tryRecv() -> ObserverEvent? { buffer.tryReceive() }

    /// Every event queued now, without blocking.
    public func drain() -> [ObserverEvent] { buffer.drain() }

    /// The first `maxCount` events queued now, without blocking: a reader that keeps up takes
    /// a burst under one lock, without copying a whole full buffer at once.
    public func drain(upTo maxCount: Int) -> [ObserverEvent] { buffer.drain(upTo: Swift.max(1, maxCount)) }

    /// Appends the first `maxCount` events queued now to `events`, without blocking, and returns
    /// how many: `drain(upTo:)` into an array the reader keeps, so a flood read burst after burst
    /// reuses its storage instead of allocating (and faulting in) a new one per burst.
    @discardableResult
    public func drain(into events: inout [ObserverEvent], upTo maxCount: Int) -> Int {
        buffer.drain(into: &events, upTo: Swift.max(1, maxCount))
    }

    /// True once the closing event has been read.
    public var isFinished: Bool { buffer.isFinished }

    /// The clock readings the run stamps its events with (see `ClockBase`), from the moment the
    /// run was started or attached to; nil before that.
    public var clockBase: ClockBase? { buffer.clockBase }

    /// The categories this subscriber really observes, set once the run has started (nil
    /// before): those it asked for that this machine serves. A category left out (eBPF cannot be
    /// loaded by an unprivileged process, say) is missing here, so "no file was opened" and "files
    /// were not observed" are told apart; the run's first `started` event says the same
    /// (`Started.observedCategories`). `ObserverConfig.strict()` makes the start throw instead.
    public var observedCategories: Set<EventCategory>? { buffer.observedCategories }

    /// Events this subscriber has dropped so far.
    public var lostCount: UInt64 { buffer.lostTotal }

    /// Reads everything up to and including the closing `profile`, blocking.
    public func collect() -> [ObserverEvent] {
        var out: [ObserverEvent] = []
        while let e = recv() { out.append(e) }
        return out
    }

    /// Keeps the subscriber alive while iterating, so `for await e in process.withObserver(…)` works.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscriber: ObserverSubscriber
        public mutating func next() async -> ObserverEvent? { await subscriber.buffer.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscriber: self) }
}
