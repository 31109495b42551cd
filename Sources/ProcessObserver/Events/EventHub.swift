/// The fan-out for one run: numbers events and offers each to every subscriber.
///
/// Publishing takes one short lock to assign the sequence number and append to each subscriber's
/// bounded buffer; it never waits for a reader, so the spawn/reap path, the sampler and the
/// kernel-event consumer are never held up by a slow subscriber.
final class EventHub: @unchecked Sendable {
    private let lock = ConditionLock()
    private var nextSeq: UInt64 = 1
    private var subscribers: [SubscriberBuffer]
    private var ended = false
    /// The run's clock origin, for deriving wall-clock times from monotonic ones.
    let clockBase: ClockBase

    init(subscribers: [SubscriberBuffer]) {
        self.subscribers = subscribers
        self.clockBase = .now()
        for subscriber in subscribers { subscriber.clockBase = clockBase }
    }

    /// Whether any subscriber wants absolute paths.
    var resolvesPaths: Bool { subscribers.contains { $0.config.resolvesPaths } }

    /// Whether any subscriber wants the syscall summary.
    var summarizesSyscalls: Bool { subscribers.contains { $0.config.summarizesSyscalls } }

    /// What the kernel may leave out: the loosest filter of the subscribers that observe file or
    /// network events (each subscriber applies its own exactly).
    var kernelFilter: EventFilter {
        EventFilter.loosest(
            subscribers.map(\.config).filter { $0.observes(.file) || $0.observes(.network) }.map(\.filter))
    }

    /// Whether any subscriber observing files or the network wants their bytes counted.
    var countsIOBytes: Bool {
        subscribers.contains {
            $0.config.countsIOBytes && ($0.config.observes(.file) || $0.config.observes(.network))
        }
    }

    /// The union of the subscribers' categories.
    var categories: Set<EventCategory> {
        subscribers.reduce(into: []) { $0.formUnion($1.config.categories) }
    }

    /// The categories the run serves: each subscriber observes its own, less the others.
    func serve(_ served: Set<EventCategory>) {
        for subscriber in subscribers {
            subscriber.observedCategories = subscriber.config.categories.intersection(served)
        }
    }

    /// The categories a strict subscriber asked for that the run cannot serve.
    func strictlyMissing(served: Set<EventCategory>) -> Set<EventCategory> {
        subscribers.filter(\.config.isStrict).reduce(into: []) {
            $0.formUnion($1.config.categories.subtracting(served))
        }
    }

    /// The shortest sampling interval any subscriber asked for.
    var sampleInterval: Duration? { subscribers.compactMap(\.config.sampleInterval).min() }

    /// The largest top-N any sampling subscriber asked for.
    var topProcesses: Int {
        subscribers.filter { $0.config.sampleInterval != nil }.map(\.config.topProcesses).max()
            ?? ObserverConfig.defaultTopProcesses
    }

    func wallClock(forMonotonic ns: UInt64) -> Int64 { clockBase.wallClock(forMonotonic: ns) }

    /// Numbers the event, stamps its wall-clock time and hands it to every subscriber.
    func publish(_ event: ObserverEvent) {
        var event = event
        event.wallClockNs = wallClock(forMonotonic: event.timestampNs)
        lock.lock()
        defer { lock.unlock() }
        guard !ended else { return }
        event.seq = nextSeq
        nextSeq += 1
        for subscriber in subscribers { subscriber.offer(event) }
    }

    /// Numbers a run of events (a ring-buffer drain) and hands them to every subscriber, under
    /// one lock per subscriber and with one wake-up for its reader. Stamps `events` in place; what
    /// is left in it afterwards is spent (moved out, or placeholders).
    func publish(_ events: inout [ObserverEvent]) {
        guard !events.isEmpty else { return }
        for i in events.indices { events[i].wallClockNs = wallClock(forMonotonic: events[i].timestampNs) }
        lock.lock()
        defer { lock.unlock() }
        guard !ended else { return }
        for i in events.indices {
            events[i].seq = nextSeq
            nextSeq += 1
        }
        // The last subscriber takes the events; the others get copies.
        for (index, subscriber) in subscribers.enumerated() {
            subscriber.offer(&events, taking: index == subscribers.count - 1)
        }
    }

    /// The `lost` event that stands for `count` records the kernel could not deliver.
    static func kernelLoss(_ count: UInt64, timestampNs: UInt64, processID: Int32) -> ObserverEvent {
        ObserverEvent(
            timestampNs: timestampNs, category: .lifecycle, processID: processID,
            kind: .lost(Lost(count: count, source: .kernel)))
    }

    /// Publishes `lost` events from the kernel source, in line with the others.
    func publishKernelLoss(_ count: UInt64, timestampNs: UInt64, processID: Int32) {
        guard count > 0 else { return }
        publish(Self.kernelLoss(count, timestampNs: timestampNs, processID: processID))
    }

    /// Ends the run: each subscriber gets its own profile (with its own loss count), last.
    func finish(profile: (_ lostSubscriber: UInt64) -> RunProfile?, processID: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard !ended else { return }
        ended = true
        let now = Clock.monotonicNs()
        let seq = nextSeq
        nextSeq += 1
        for subscriber in subscribers {
            if let p = profile(subscriber.lostTotal) {
                let event = ObserverEvent(
                    seq: seq, timestampNs: now, wallClockNs: wallClock(forMonotonic: now), category: .lifecycle,
                    processID: processID, kind: .profile(p))
                subscriber.finish(with: event)
            } else {
                subscriber.finish(with: nil)
            }
        }
    }
}
