/// What a segmented recording's writer knows of one of its segments: where it is, its size on
/// disk, and the events it holds, so that retention can say what it removed without reading it.
struct SegmentStats {
    enum State {
        /// Being written.
        case open
        /// Closed, waiting for compression, or left uncompressed (the compression failed).
        case closed
        /// Being compressed on the writer's compression thread.
        case compressing
        /// Compressed: `name.compressed`.
        case compressed
    }

    var name: SegmentName
    var state: State
    /// Bytes on disk: the raw file's until it is compressed, then the `.gz` file's.
    var bytesOnDisk: UInt64 = 0
    /// The first and last event timestamps (monotonic) and sequence numbers it holds.
    var firstNs: UInt64?
    var lastNs: UInt64?
    var firstSeq: UInt64?
    var lastSeq: UInt64?
    /// Events by category (`EventCategory.index`).
    var events = [0, 0, 0, 0]
    /// When it was opened and closed (monotonic).
    var openedNs: UInt64
    var closedNs: UInt64?

    init(name: SegmentName, openedNs: UInt64) {
        self.name = name
        self.state = .open
        self.openedNs = openedNs
    }

    var eventCount: Int { events.reduce(0, +) }

    mutating func count(category: EventCategory, timestampNs: UInt64, seq: UInt64) {
        events[category.index] += 1
        if firstNs == nil { firstNs = timestampNs }
        lastNs = max(lastNs ?? 0, timestampNs)
        if firstSeq == nil { firstSeq = seq }
        lastSeq = max(lastSeq ?? 0, seq)
    }
}
