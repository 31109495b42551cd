/// One subscriber's bounded queue: the emitter appends without ever blocking, the reader takes.
///
/// When the queue holds `capacity` events, new ones are dropped and counted. Before the next
/// event that fits, one `lost` event with the exact count is queued (it may take one slot beyond
/// the capacity). The run's closing `profile` is always queued, so every stream ends.
final class SubscriberBuffer: @unchecked Sendable {
    let config: ObserverConfig
    private let lock = ConditionLock()
    private var ring: [ObserverEvent?]
    private var head = 0
    private var count = 0
    private var pendingLost: UInt64 = 0
    private var firstLostSeq: UInt64 = 0
    private var firstLostTimestamp: UInt64 = 0
    private var totalLost: UInt64 = 0
    private var finished = false
    private var detached = false
    private var asyncWaiter: CheckedContinuation<ObserverEvent?, Never>?
    private var runClockBase: ClockBase?
    private var observed: Set<EventCategory>?

    /// The categories of `config`, one bit per `EventCategory` case: tested per event without
    /// hashing.
    private let categoryBits: UInt32
    /// Whether `config` asks for samples.
    private let takesSamples: Bool
    /// Whether `config` asks for the per-process syscall summary.
    private let summarizesSyscalls: Bool
    /// `config.filter`, when it filters.
    private let filter: EventFilter?

    init(config: ObserverConfig) {
        self.config = config
        // Storage grows on demand up to capacity + 2 (the lost marker and the profile).
        self.ring = []
        self.categoryBits = Self.bits(of: config.categories)
        self.takesSamples = config.sampleInterval != nil
        self.summarizesSyscalls = config.summarizesSyscalls
        self.filter = config.filter.isFiltering ? config.filter : nil
    }

    private static func bits(of categories: Set<EventCategory>) -> UInt32 {
        categories.reduce(0) { $0 | Self.bit(of: $1) }
    }

    @inline(__always)
    private static func bit(of category: EventCategory) -> UInt32 {
        switch category {
        case .lifecycle: 1
        case .file: 2
        case .network: 4
        case .process: 8
        }
    }

    /// The clock base of the run this buffer is attached to; set by the hub when it is made.
    var clockBase: ClockBase? {
        get { lock.withLock { runClockBase } }
        set { lock.withLock { runClockBase = newValue } }
    }

    /// The categories this subscriber really receives: its own, less those the run cannot serve;
    /// set by the hub when the run starts, nil before.
    var observedCategories: Set<EventCategory>? {
        get { lock.withLock { observed } }
        set { lock.withLock { observed = newValue } }
    }

    /// Events queued now (the memory bound: at most capacity + 2).
    var storedCount: Int { lock.withLock { count } }

    /// Events this subscriber has dropped in total.
    var lostTotal: UInt64 { lock.withLock { totalLost } }

    /// Called by the hub for every event of the run, in sequence order. Never blocks.
    func offer(_ event: ObserverEvent) {
        guard wants(event) else { return }
        var waiter: CheckedContinuation<ObserverEvent?, Never>?
        var handOff: ObserverEvent?
        lock.lock()
        if detached || finished {
            lock.unlock()
            return
        }
        if queueLocked(event, waiter: &waiter, handOff: &handOff) { lock.broadcast() }
        lock.unlock()
        waiter?.resume(returning: handOff)
    }

    /// Called by the hub with a run of events in sequence order (a ring-buffer drain), under
    /// one lock and with one wake-up for the reader. Never blocks.
    ///
    /// With `taking`, the events this subscriber queues are moved out of `events` (a placeholder
    /// left in their place) instead of copied: the last subscriber of a batch takes it, so the
    /// strings of an event are not retained again on the way to the only reader.
    func offer(_ events: inout [ObserverEvent], taking: Bool) {
        var waiter: CheckedContinuation<ObserverEvent?, Never>?
        var handOff: ObserverEvent?
        var queued = false
        lock.lock()
        if detached || finished {
            lock.unlock()
            return
        }
        for i in events.indices where wants(events[i]) {
            if taking {
                var event = ObserverEvent.placeholder
                swap(&event, &events[i])
                queued = queueLocked(event, waiter: &waiter, handOff: &handOff) || queued
            } else {
                queued = queueLocked(events[i], waiter: &waiter, handOff: &handOff) || queued
            }
        }
        if queued { lock.broadcast() }
        lock.unlock()
        waiter?.resume(returning: handOff)
    }

    /// Whether `event` is for this subscriber: one of its categories, a sample only when it
    /// asked for samples, a syscall summary only when it asked for the summary, a file or network
    /// event only when its filter keeps it.
    @inline(__always)
    private func wants(_ event: borrowing ObserverEvent) -> Bool {
        guard categoryBits & Self.bit(of: event.category) != 0 else { return false }
        if case .sample = event.kind, !takesSamples { return false }
        if case .syscalls = event.kind, !summarizesSyscalls { return false }
        if let filter, !filter.keeps(event) { return false }
        return true
    }

    /// Under the lock: queues `event` (after the lost marker it owes), hands it to a waiting
    /// async reader when nothing is queued, or drops and counts it when the buffer is full.
    /// True when it was queued or handed over.
    private func queueLocked(
        _ event: consuming ObserverEvent, waiter: inout CheckedContinuation<ObserverEvent?, Never>?,
        handOff: inout ObserverEvent?
    ) -> Bool {
        if count >= config.bufferCapacity {
            if pendingLost == 0 {
                firstLostSeq = event.seq
                firstLostTimestamp = event.timestampNs
            }
            pendingLost += 1
            totalLost += 1
            return false
        }
        if pendingLost > 0 { enqueueLostMarker(before: event) }
        if waiter == nil, let w = asyncWaiter, count == 0 {
            asyncWaiter = nil
            waiter = w
            handOff = event
        } else {
            push(event)
        }
        return true
    }

    /// Queues the closing event (ignoring capacity) and ends the stream.
    func finish(with last: ObserverEvent?) {
        var waiter: CheckedContinuation<ObserverEvent?, Never>?
        var handOff: ObserverEvent?
        lock.lock()
        if detached || finished {
            lock.unlock()
            return
        }
        if let last {
            if pendingLost > 0 { enqueueLostMarker(before: last) }
            push(last)
        }
        finished = true
        if let w = asyncWaiter {
            asyncWaiter = nil
            waiter = w
            handOff = popLocked()
        }
        lock.broadcast()
        lock.unlock()
        waiter?.resume(returning: handOff)
    }

    /// The subscriber went away: free the queue and ignore everything from now on.
    func detach() {
        lock.lock()
        detached = true
        ring = []
        count = 0
        let waiter = asyncWaiter
        asyncWaiter = nil
        lock.broadcast()
        lock.unlock()
        waiter?.resume(returning: nil)
    }

    /// Blocks until an event arrives; nil once the stream has ended and is empty.
    func receive() -> ObserverEvent? {
        lock.lock()
        defer { lock.unlock() }
        while count == 0 && !finished && !detached { lock.wait() }
        return popLocked()
    }

    /// Like `receive()` but gives up at a monotonic deadline.
    func receive(untilMonotonicNs deadline: UInt64) -> ObserverEvent? {
        lock.lock()
        defer { lock.unlock() }
        while count == 0 && !finished && !detached {
            if !lock.wait(untilMonotonicNs: deadline) && Clock.monotonicNs() >= deadline { break }
        }
        return popLocked()
    }

    func tryReceive() -> ObserverEvent? { lock.withLock { popLocked() } }

    func drain(upTo maxCount: Int = .max) -> [ObserverEvent] {
        var out: [ObserverEvent] = []
        _ = drain(into: &out, upTo: maxCount)
        return out
    }

    /// Appends up to `maxCount` queued events to `out` under one lock; returns how many.
    func drain(into out: inout [ObserverEvent], upTo maxCount: Int) -> Int {
        lock.withLock {
            let taken = Swift.min(count, maxCount)
            out.reserveCapacity(out.count + taken)
            for _ in 0..<taken { out.append(popLocked()!) }
            return taken
        }
    }

    var isFinished: Bool { lock.withLock { finished && count == 0 } }

    func next() async -> ObserverEvent? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ObserverEvent?, Never>) in
                lock.lock()
                if let e = popLocked() {
                    lock.unlock()
                    continuation.resume(returning: e)
                } else if finished || detached || Task.isCancelled {
                    lock.unlock()
                    continuation.resume(returning: nil)
                } else {
                    precondition(asyncWaiter == nil, "an ObserverSubscriber supports one concurrent async reader")
                    asyncWaiter = continuation
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let waiter = asyncWaiter
            asyncWaiter = nil
            lock.unlock()
            waiter?.resume(returning: nil)
        }
    }

    // MARK: - ring, under the lock

    private func enqueueLostMarker(before event: ObserverEvent) {
        var marker = event
        marker.seq = firstLostSeq
        marker.timestampNs = firstLostTimestamp
        marker.wallClockNs = event.wallClockNs - Int64(event.timestampNs &- firstLostTimestamp)
        marker.category = .lifecycle
        marker.threadID = nil
        marker.parentProcessID = nil
        marker.command = nil
        marker.kind = .lost(Lost(count: pendingLost, source: .subscriber))
        pendingLost = 0
        push(marker)
    }

    private func push(_ event: consuming ObserverEvent) {
        if ring.count < config.bufferCapacity + 2 && count == ring.count && head == 0 {
            ring.append(event)
        } else {
            if count == ring.count { grow() }
            ring[(head + count) % ring.count] = event
        }
        count += 1
    }

    private func grow() {
        var bigger: [ObserverEvent?] = []
        bigger.reserveCapacity(Swift.max(ring.count * 2, 16))
        for i in 0..<count { bigger.append(ring[(head + i) % ring.count]) }
        bigger.append(contentsOf: repeatElement(nil, count: Swift.max(ring.count, 16)))
        ring = bigger
        head = 0
    }

    private func popLocked() -> ObserverEvent? {
        guard count > 0 else { return nil }
        let e = ring[head].take()
        head = (head + 1) % ring.count
        count -= 1
        if count == 0 { head = 0; ring.removeAll(keepingCapacity: true) }
        return e
    }
}
