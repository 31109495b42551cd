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

    public init() {}

    /// Counts one event read (or, for a live run's report, delivered).
    public mutating func count(_ event: ObserverEvent) {
        events += 1
        if firstTimestampNs == nil { firstTimestampNs = event.timestampNs }
        lastTimestampNs = max(lastTimestampNs ?? 0, event.timestampNs)
        lastSeq = event.seq
        if case .profile = event.kind { hasProfile = true }
    }

    /// The recording does not hold the whole run: no closing `profile`, or an incomplete line.
    public var isTruncated: Bool { !hasProfile || incompleteTailBytes > 0 }

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
        if !hasProfile { causes.append("the run's closing profile is missing") }
        let ns = coveredNanoseconds(from: start)
        let millis = (ns + 500_000) / 1_000_000
        let fraction = String(millis % 1000)
        let seconds = "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction + "s"
        let upTo = lastSeq.map { ", up to event \($0)" } ?? ""
        return "the recording is truncated: " + causes.joined(separator: " and ")
            + "; it covers the first \(seconds) of the run (\(events) events\(upTo))"
    }
}
