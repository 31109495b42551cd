/// How much of a run a recording holds, known once it has been read to its end.
///
/// A recording is cut short when its writer was killed or its disk filled: it then lacks the
/// closing `profile` (every run's last event), and usually ends inside a line. Everything up to
/// the last complete line is still read; this says what is missing.
public struct RecordingCoverage: Sendable, Hashable {
    /// Complete lines read, the header's included.
    public var lines = 0
    /// Events delivered (the header and skipped kinds not counted).
    public var events = 0
    /// Lines of kinds this reader does not know (a newer writer's), skipped, by kind.
    public var skippedKinds: [String: Int] = [:]
    /// Bytes after the last newline: an incomplete last line, ignored.
    public var incompleteTailBytes = 0
    /// The closing `profile` was read.
    public var hasProfile = false
    /// The timestamps and sequence number of the first and last events read.
    public var firstTimestampNs: UInt64?
    public var lastTimestampNs: UInt64?
    public var lastSeq: UInt64?
    /// The segments read, for a segmented recording (`obsctl watch --record`); nil otherwise.
    public var segments: Segments?
    /// The window of event times asked for (`--since`, `--until`); nil for the whole recording.
    public var window: Window?
    /// Events left out because they lie before or after the window.
    public var beforeWindow = 0
    public var afterWindow = 0

    /// Which segments of a segmented recording were read, and what retention had removed.
    public struct Segments: Sendable, Hashable {
        /// The sequence numbers read, in order.
        public var sequences: [Int] = []
        /// The newest account of what retention removed (each header's is cumulative).
        public var removed: RecordingHeader.Retention?

        public init() {}

        mutating func read(_ sequence: Int, retention: RecordingHeader.Retention?) {
            sequences.append(sequence)
            if let retention { removed = retention }
        }

        /// Sequence numbers missing between the first read and the last, or before the first
        /// and not accounted for by retention: segments removed by hand, or lost.
        public var missing: [Int] {
            guard let last = sequences.last else { return [] }
            let accounted = removed.map { $0.firstSequence...$0.lastSequence }
            let present = Set(sequences)
            return (1...last).filter { !present.contains($0) && !(accounted?.contains($0) ?? false) }
        }
    }

    /// The window of event times a reader kept, in nanoseconds since the Unix epoch.
    public struct Window: Sendable, Hashable {
        public var since: Int64?
        public var until: Int64?
        public init(since: Int64?, until: Int64?) {
            self.since = since
            self.until = until
        }
    }

    public init() {}

    /// Whether the events read are not the whole run's: retention removed segments, segments
    /// are missing, or a window left events out. Totals over the events (counts by kind, files,
    /// processes) then cover only the range read; the run's profile still covers the whole run.
    public var isPartial: Bool {
        (segments?.removed?.segments ?? 0) > 0 || !(segments?.missing.isEmpty ?? true) || beforeWindow > 0
            || afterWindow > 0
    }

    /// One sentence for people on what a partial recording covers (the range of the events read,
    /// what retention removed, what the window left out); nil when it holds the whole run.
    public func partialNote(clock: ClockBase?) -> String? {
        guard isPartial else { return nil }
        func time(_ ns: UInt64) -> String {
            guard let clock else { return "\(ns) ns" }
            return String(RFC3339.format(epochNanoseconds: clock.wallClock(forMonotonic: ns)).prefix(23)) + "Z"
        }
        var parts: [String] = []
        if let first = firstTimestampNs, let last = lastTimestampNs {
            var covered = "the events cover \(time(first)) to \(time(last))"
            if let segments, let a = segments.sequences.first, let b = segments.sequences.last {
                covered += a == b ? " (segment \(a))" : " (segments \(a)–\(b))"
            }
            parts.append(covered)
        } else {
            parts.append("no event lies in the range read")
        }
        if let removed = segments?.removed, removed.segments > 0 {
            var text =
                removed.firstSequence == removed.lastSequence
                ? "retention removed segment \(removed.firstSequence)"
                : "retention removed segments \(removed.firstSequence)–\(removed.lastSequence)"
            if let from = removed.fromNs, let to = removed.toNs { text += " (\(time(from)) to \(time(to)))" }
            let counts = EventCategory.allCases.compactMap { c in
                removed.events[c].map { "\(c.rawValue) \($0)" }
            }
            text +=
                " with \(removed.eventCount) events"
                + (counts.isEmpty ? "" : " (" + counts.joined(separator: ", ") + ")")
            parts.append(text)
        }
        if let missing = segments?.missing, !missing.isEmpty {
            parts.append("segments " + missing.map(String.init).joined(separator: ", ") + " are missing")
        }
        if beforeWindow + afterWindow > 0 {
            parts.append("the window left out \(beforeWindow) events before it and \(afterWindow) after it")
        }
        return parts.joined(separator: "; ")
    }

    /// Counts one event read (or, for a live run's report, delivered).
    public mutating func count(_ event: ObserverEvent) {
        events += 1
        if firstTimestampNs == nil { firstTimestampNs = event.timestampNs }
        lastTimestampNs = max(lastTimestampNs ?? 0, event.timestampNs)
        lastSeq = event.seq
        if case .profile = event.kind { hasProfile = true }
    }

    /// The recording does not hold the whole run: no closing `profile`, or an incomplete line.
    public var isTruncated: Bool { (!hasProfile && afterWindow == 0) || incompleteTailBytes > 0 }

    /// From `start` (the header's clock base, or the first event) to the last event read.
    public func coveredNanoseconds(from start: UInt64?) -> UInt64 {
        guard let last = lastTimestampNs, let origin = start ?? firstTimestampNs, last >= origin else { return 0 }
        return last - origin
    }

    /// One sentence for people: nil when the recording is whole.
    public func truncationNote(from start: UInt64?) -> String? {
        guard isTruncated else { return nil }
        var causes: [String] = []
        if incompleteTailBytes > 0 {
            causes.append("its last line is incomplete (\(incompleteTailBytes) bytes ignored)")
        }
        if !hasProfile && afterWindow == 0 { causes.append("the run's closing profile is missing") }
        let ns = coveredNanoseconds(from: start)
        let millis = (ns + 500_000) / 1_000_000
        let fraction = String(millis % 1000)
        let seconds = "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction + "s"
        let upTo = lastSeq.map { ", up to event \($0)" } ?? ""
        return "the recording is truncated: " + causes.joined(separator: " and ")
            + "; it covers the first \(seconds) of the run (\(events) events\(upTo))"
    }
}
