extension RecordingHeader {
    /// Which segment a header opens: JSON `segment` (`Docs/RECORDING.md`).
    public struct Segment: Sendable, Hashable {
        /// The run the segment belongs to, the same in every segment of it: JSON `run`.
        public var run: String
        /// 1 for the first segment, then one more per segment, never reused: JSON `sequence`.
        public var sequence: Int
        /// When the segment was opened (monotonic, the events' clock): JSON `opened_ns`, with
        /// `opened` its time of day.
        public var openedNs: UInt64

        public init(run: String, sequence: Int, openedNs: UInt64) {
            self.run = run
            self.sequence = sequence
            self.openedNs = openedNs
        }
    }

    /// What retention removed from a segmented recording, up to the segment whose header says
    /// it: JSON `retention`. Segments are removed oldest first, so they are always the
    /// sequences `firstSequence...lastSequence`.
    public struct Retention: Sendable, Hashable {
        /// How many segments were removed: JSON `segments`.
        public var segments = 0
        /// The first and last removed sequence numbers: JSON `first_sequence`, `last_sequence`.
        public var firstSequence = 0
        public var lastSequence = 0
        /// Their bytes on disk: JSON `bytes`.
        public var bytes: UInt64 = 0
        /// The timestamps of the first and last events they held (monotonic; the header's clock
        /// base gives their times of day): JSON `from_ns`, `to_ns` (with `from`, `to`). Nil when
        /// they held no event.
        public var fromNs: UInt64?
        public var toNs: UInt64?
        /// The sequence numbers (`seq`) of the first and last events they held: JSON
        /// `first_seq`, `last_seq`.
        public var firstSeq: UInt64?
        public var lastSeq: UInt64?
        /// The events they held, by category: JSON `events`.
        public var events: [EventCategory: Int] = [:]

        public init() {}

        /// All the events they held.
        public var eventCount: Int { events.values.reduce(0, +) }

        /// Adds one removed segment (segments are removed in order, oldest first).
        mutating func add(_ removed: SegmentStats) {
            if segments == 0 { firstSequence = removed.name.sequence }
            segments += 1
            lastSequence = removed.name.sequence
            bytes += removed.bytesOnDisk
            if let first = removed.firstNs {
                fromNs = min(fromNs ?? first, first)
                toNs = max(toNs ?? 0, removed.lastNs ?? first)
            }
            if let seq = removed.firstSeq {
                firstSeq = min(firstSeq ?? seq, seq)
                lastSeq = max(lastSeq ?? 0, removed.lastSeq ?? seq)
            }
            for category in EventCategory.allCases where removed.events[category.index] > 0 {
                events[category, default: 0] += removed.events[category.index]
            }
        }
    }
}

extension EventCategory {
    /// The category's place in `allCases`: an index into fixed per-category counters.
    var index: Int {
        switch self {
        case .lifecycle: 0
        case .file: 1
        case .network: 2
        case .process: 3
        }
    }
}
