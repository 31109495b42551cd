/// The recent perf samples of a run, kept in memory within a retention window and a byte cap,
/// for a program that supervises workers and wants their last hours of CPU and memory without
/// recording everything (`Docs/SAMPLES.md`, "A bounded history").
///
/// ```swift
/// let history = try SampleHistory(limits: .init(retentionNs: 3_600_000_000_000, maxBytes: 8 << 20))
/// for event in subscriber { history.record(event) }   // on the subscriber's thread
/// let lastMinute = history.samples(since: now - 60_000_000_000)  // from any thread
/// ```
///
/// Pruning is by the samples' own clock: a sample older than the newest one less `retentionNs`
/// is evicted, and so are the oldest while the kept samples' size passes `maxBytes`. A sample's
/// size is the length of its JSON line (`EventJSON`), the form it is spilled in, so the cap
/// bounds memory to the same order. With `spill`, evicted samples are written to disk segments
/// in the recording format (`SegmentedRecordingWriter`, its own byte cap) that `RunRecording`
/// reads back; without it they are dropped. `peaks` cover every sample recorded, evicted ones
/// included. Thread-safe: one thread records, any thread reads.
public final class SampleHistory: @unchecked Sendable {
    public struct Limits: Sendable, Hashable {
        /// How long a sample is kept, counted back from the newest (nanoseconds).
        public var retentionNs: UInt64
        /// The most bytes kept in memory (each sample counted as its JSON line).
        public var maxBytes: Int
        /// Where evicted samples go; nil drops them.
        public var spill: Spill?

        public init(retentionNs: UInt64, maxBytes: Int, spill: Spill? = nil) {
            self.retentionNs = retentionNs
            self.maxBytes = maxBytes
            self.spill = spill
        }
    }

    /// Disk segments for evicted samples: a directory (new or empty) and its limits.
    public struct Spill: Sendable, Hashable {
        public var directory: String
        public var limits: SegmentedRecordingWriter.Limits
        public init(directory: String, limits: SegmentedRecordingWriter.Limits) {
            self.directory = directory
            self.limits = limits
        }
    }

    /// One kept sample.
    public struct Entry: Sendable, Hashable {
        public var seq: UInt64
        /// When it was taken (monotonic, the events' clock) and its time of day.
        public var timestampNs: UInt64
        public var wallClockNs: Int64
        public var processID: Int32
        public var sample: PerfSample
        /// The length of its JSON line: what it counts against `maxBytes`.
        public var bytes: Int
    }

    /// The highest figures seen, over every sample recorded.
    public struct Peaks: Sendable, Hashable {
        public var totalCPUPercent: Double = 0
        public var totalRSSBytes: UInt64 = 0
        /// Per process: its highest CPU and RSS, and the name it had then.
        public var processes: [Int32: ProcessPeak] = [:]
        public init() {}
    }

    public struct ProcessPeak: Sendable, Hashable {
        public var name: String
        public var cpuPercent: Double
        public var rssBytes: UInt64
    }

    public let limits: Limits
    private let lock = ConditionLock()
    private var entries: [Entry] = []
    /// Index of the oldest kept entry in `entries` (evicted ones before it await compaction).
    private var head = 0
    private var keptBytes = 0
    private var allPeaks = Peaks()
    private var spillWriter: SegmentedRecordingWriter?
    private var evictedCount = 0
    private var scratch: [UInt8] = []

    /// Checks the spill directory (made when missing) when there is one.
    public init(limits: Limits) throws(ObserverError) {
        self.limits = limits
        if let spill = limits.spill {
            guard spill.limits.isValid else {
                throw ObserverError(
                    .invalidConfiguration, failure: "keeping a sample history",
                    reason: "the spill's keepBytes is less than twice its segmentBytes (or segmentBytes < 4096)",
                    remedy: "Give keepBytes at least twice segmentBytes")
            }
            try SegmentedRecordingWriter.prepare(directory: spill.directory)
        }
    }

    deinit { spillWriter?.close() }

    /// Records `event` when it is a sample (other events are ignored), then prunes.
    public func record(_ event: ObserverEvent) {
        guard case .sample(let sample) = event.kind else { return }
        scratch.removeAll(keepingCapacity: true)
        EventJSON.append(event, to: &scratch)
        let entry = Entry(
            seq: event.seq, timestampNs: event.timestampNs, wallClockNs: event.wallClockNs,
            processID: event.processID, sample: sample, bytes: scratch.count)
        lock.withLock {
            entries.append(entry)
            keptBytes += entry.bytes
            allPeaks.totalCPUPercent = max(allPeaks.totalCPUPercent, sample.totalCPUPercent)
            allPeaks.totalRSSBytes = max(allPeaks.totalRSSBytes, sample.totalRSSBytes)
            for p in sample.processes {
                var peak = allPeaks.processes[p.processID] ?? ProcessPeak(name: p.name, cpuPercent: 0, rssBytes: 0)
                peak.cpuPercent = max(peak.cpuPercent, p.cpuPercent)
                if p.rssBytes >= peak.rssBytes { peak.name = p.name }
                peak.rssBytes = max(peak.rssBytes, p.rssBytes)
                allPeaks.processes[p.processID] = peak
            }
            prune(newestNs: event.timestampNs)
        }
    }

    /// Evicts what is past the window or the cap (the lock held).
    private func prune(newestNs: UInt64) {
        let oldestKept = newestNs > limits.retentionNs ? newestNs - limits.retentionNs : 0
        while head < entries.count,
            entries[head].timestampNs < oldestKept || (keptBytes > limits.maxBytes && head < entries.count - 1)
        {
            evict(entries[head])
            keptBytes -= entries[head].bytes
            head += 1
        }
        // Compact once half the array is evicted entries: amortised O(1) per sample.
        if head > 64, head * 2 > entries.count {
            entries.removeSubrange(0..<head)
            head = 0
        }
    }

    private func evict(_ entry: Entry) {
        evictedCount += 1
        guard let spill = limits.spill else { return }
        let event = ObserverEvent(
            seq: entry.seq, timestampNs: entry.timestampNs, wallClockNs: entry.wallClockNs, category: .lifecycle,
            processID: entry.processID, kind: .sample(entry.sample))
        if spillWriter == nil {
            let clock = ClockBase(monotonicNs: entry.timestampNs, wallNs: entry.wallClockNs)
            let header = RecordingHeader.forThisMachine(
                writer: "ProcessObserver.SampleHistory", writerVersion: "1", clockBase: clock, capabilities: [],
                processID: entry.processID, argv: [], workingDirectory: ByteString(""), attached: true)
            spillWriter = try? SegmentedRecordingWriter(
                directory: spill.directory, header: header, limits: spill.limits)
        }
        spillWriter?.append(event)
    }

    /// The kept samples taken at or after `timestampNs` (monotonic), oldest first.
    public func samples(since timestampNs: UInt64 = 0) -> [Entry] {
        lock.withLock { entries[head...].filter { $0.timestampNs >= timestampNs } }
    }

    /// One process's figures from the kept samples at or after `timestampNs`, oldest first
    /// (samples that did not list it, being busier ones' `top`, are left out).
    public func samples(of processID: Int32, since timestampNs: UInt64 = 0) -> [(
        timestampNs: UInt64, process: PerfSample.Process
    )] {
        lock.withLock {
            entries[head...].compactMap { entry in
                guard entry.timestampNs >= timestampNs,
                    let p = entry.sample.processes.first(where: { $0.processID == processID })
                else { return nil }
                return (entry.timestampNs, p)
            }
        }
    }

    /// The newest sample.
    public var latest: Entry? { lock.withLock { head < entries.count ? entries.last : nil } }
    /// The highest figures over every sample recorded.
    public var peaks: Peaks { lock.withLock { allPeaks } }
    /// How many samples are kept, and their bytes.
    public var count: Int { lock.withLock { entries.count - head } }
    public var bytes: Int { lock.withLock { keptBytes } }
    /// How many were evicted (spilled, with `spill`).
    public var evicted: Int { lock.withLock { evictedCount } }

    /// Writes what the spill holds and closes its last segment (compressing it): call once the
    /// run has ended, before reading the spill directory.
    public func closeSpill() {
        lock.withLock {
            spillWriter?.close()
            spillWriter = nil
        }
    }
}
