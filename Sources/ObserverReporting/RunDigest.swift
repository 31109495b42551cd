import ProcessObserver

/// What one recorded run contributes to a diff (`RunDiff`): its sets of names, already
/// normalised (`NameNormaliser`), its figures, and what the recording says about its own
/// completeness. Built from the report model (`RunDigest(report:…)`) or straight from a
/// recording (`RunDigest.read(_:)`).
public struct RunDigest: Sendable {
    /// What a recording says about how much of the run it holds.
    public struct Completeness: Sendable, Hashable {
        /// The closing profile is missing or the last line is cut (`RecordingCoverage.isTruncated`).
        public var truncated: Bool
        /// The reader's sentence for a truncated recording.
        public var truncationNote: String?
        public var lostKernel: UInt64
        public var lostSubscriber: UInt64
        /// For each category (`lifecycle`, `file`, `network`, `process`, `sampling`): how it was
        /// delivered, `supported`, `partial (missing …)`, `unavailable` or `not observed`; nil
        /// without a header.
        public var categories: [String: String]?
        /// The categories the run asked for (the header's `observed`): the filters.
        public var asked: Set<String>?
        /// Whether paths were resolved in the kernel (false for `watch --no-resolve-paths`); nil
        /// when the recording has no path to tell by.
        public var pathsResolved: Bool?
        /// The header's `filters` in words (`ReportText.filterConditions`); nil when the run was not
        /// filtered, or the recording has no header.
        public var filters: String?

        public var lost: UInt64 { lostKernel + lostSubscriber }

        public init(
            truncated: Bool, truncationNote: String?, lostKernel: UInt64, lostSubscriber: UInt64,
            categories: [String: String]?, asked: Set<String>?, pathsResolved: Bool?, filters: String? = nil
        ) {
            self.truncated = truncated
            self.truncationNote = truncationNote
            self.lostKernel = lostKernel
            self.lostSubscriber = lostSubscriber
            self.categories = categories
            self.asked = asked
            self.pathsResolved = pathsResolved
            self.filters = filters
        }
    }

    /// The recording's name (its path).
    public var name: String
    public var command: [String]
    /// Names by set, each with how many calls named it.
    public var sets: [DiffSet: [String: Int]]
    /// Sets whose table filled (`PathCounts.capacity` distinct names): the calls on names past
    /// it were counted together, and those names cannot be compared.
    public var overflowed: Set<DiffSet> = []
    /// The figures the recording has; a measure it lacks is absent.
    public var figures: [DiffMeasure: UInt64]
    public var completeness: Completeness

    public init(
        name: String, command: [String], sets: [DiffSet: [String: Int]], figures: [DiffMeasure: UInt64],
        completeness: Completeness
    ) {
        self.name = name
        self.command = command
        self.sets = sets
        self.figures = figures
        self.completeness = completeness
    }

    /// Reads a whole recording. Throws what `RunRecording` throws for one that cannot be read
    /// or is not a recording; a truncated one is read to its last complete line.
    public static func read(_ path: String) throws(ObserverError) -> RunDigest {
        try read(RunRecording.open(path))
    }

    /// Reads the rest of an open recording (its header, and every event not read yet).
    public static func read(_ recording: RunRecording) throws(ObserverError) -> RunDigest {
        var builder = RunDigestBuilder(header: recording.header)
        while let event = try recording.next() { builder.add(event) }
        return builder.finish(name: recording.name, coverage: recording.coverage)
    }
}

/// Builds a `RunDigest` in one pass: a `RunReportBuilder` for what the report counts, and, beside
/// it, what only a diff needs (programs by absolute path, failures by kind, the run's cgroup).
public struct RunDigestBuilder {
    private var report: RunReportBuilder
    private let header: RecordingHeader?
    private var programs = PathCounts()
    private var failures = PathCounts()
    private var runCgroup: String?
    private var resolvedPaths = 0
    private var unresolvedPaths = 0

    public init(header: RecordingHeader?) {
        self.header = header
        report = RunReportBuilder(header: header)
        runCgroup = header?.cgroup
    }

    public mutating func add(_ event: ObserverEvent) {
        report.add(event)
        if runCgroup == nil, event.processID == header?.processID, let cgroup = event.cgroupPath, cgroup != "/" {
            runCgroup = cgroup
        }
        for path in event.kind.paths where event.kind.category != .lifecycle {
            if path.walkableAbsolute != nil { resolvedPaths += 1 } else { unresolvedPaths += 1 }
        }
        if case .exec(let exec) = event.kind, exec.result.succeeded {
            programs.add(EventText.file(EventPath(passed: exec.path, absolute: exec.absolutePath)))
        }
        if event.kind.failed, let errno = event.kind.errnoName {
            failures.add(EventText.call(event.kind.name, errno: errno, Self.subject(of: event.kind)))
        }
    }

    /// What a failed call acted on: its first path, a socket's address, or nothing.
    private static func subject(of kind: EventKind) -> String? {
        if let path = kind.paths.first { return EventText.file(path) }
        if let address = kind.peer { return EventText.address(address) }
        return nil
    }

    public func finish(name: String, coverage: RecordingCoverage) -> RunDigest {
        let report = report.finish(coverage: coverage)
        // The root's cgroup is the run's own only when obsctl made it (or was given it with
        // --cgroup): a run contained by its process group shares its caller's.
        let ownCgroup = report.profile.map { $0.containment == "cgroup2" } ?? true
        return RunDigest(
            report: report, name: name, programs: programs, failures: failures,
            runCgroup: header?.cgroup ?? (ownCgroup ? runCgroup : nil),
            pathsResolved: resolvedPaths > 0 ? true : (unresolvedPaths > 0 ? false : nil))
    }
}

extension RunDigest {
    /// A digest from the report model, with the parts only a `RunDigestBuilder` gathers:
    /// successful execs by absolute path, failures as `kind errno subject`, the run's cgroup.
    public init(
        report: RunReport, name: String, programs: PathCounts, failures: PathCounts, runCgroup: String?,
        pathsResolved: Bool?
    ) {
        let normaliser = NameNormaliser(runCgroup: runCgroup)
        func names(_ counts: PathCounts, rename: Bool = false) -> [String: Int] {
            var out: [String: Int] = [:]
            for (name, count) in counts.counts {
                out[rename ? normaliser.normaliseRename(name) : normaliser.normalise(name), default: 0] += count
            }
            return out
        }
        func addresses(_ counts: [String: Int]) -> [String: Int] {
            var out: [String: Int] = [:]
            for (name, count) in counts { out[Self.address(name, normaliser), default: 0] += count }
            return out
        }
        var created = names(report.files.created)
        for (name, count) in names(report.files.directoriesCreated) { created[name, default: 0] += count }
        var failureNames: [String: Int] = [:]
        for (name, count) in failures.counts { failureNames[Self.failure(name, normaliser), default: 0] += count }
        let sets: [DiffSet: [String: Int]] = [
            .programs: names(programs), .written: names(report.files.written), .created: created,
            .deleted: names(report.files.deleted), .renamed: names(report.files.renamed, rename: true),
            .read: names(report.files.read), .peers: addresses(report.network.peers.mapValues(\.attempts)),
            .listening: addresses(report.network.listening), .failures: failureNames,
        ]
        let tables: [DiffSet: [PathCounts]] = [
            .programs: [programs], .written: [report.files.written],
            .created: [report.files.created, report.files.directoriesCreated], .deleted: [report.files.deleted],
            .renamed: [report.files.renamed], .read: [report.files.read], .failures: [failures],
        ]
        let overflowed = Set(tables.filter { $0.value.contains { $0.overflow > 0 } }.keys)
        var figures: [DiffMeasure: UInt64] = [
            .wall: report.wallNs, .processes: UInt64(report.processes.count),
            .events: UInt64(report.coverage.events),
        ]
        if let p = report.profile {
            figures[.cpu] = p.userCPUNanoseconds + p.systemCPUNanoseconds
            figures[.peakRSS] = p.peakRSSBytes
            if let tree = p.tree { figures[.treeCPU] = tree.userCPUNanoseconds + tree.systemCPUNanoseconds }
        }
        var categories: [String: String]?
        var asked: Set<String>?
        if let header = report.header {
            var states: [String: String] = [:]
            var observed: Set<String> = []
            for c in header.capabilities where c.category != "containment" {
                if c.observed { observed.insert(c.category) }
                states[c.category] = Self.state(c)
            }
            categories = states
            asked = observed
        }
        self.init(
            name: name, command: report.command, sets: sets, figures: figures,
            completeness: Completeness(
                truncated: report.coverage.isTruncated,
                truncationNote: report.coverage.truncationNote(from: report.header?.clockBase.monotonicNs),
                lostKernel: report.profile?.lostKernel ?? report.lostKernel,
                lostSubscriber: report.profile?.lostSubscriber ?? report.lostSubscriber, categories: categories,
                asked: asked, pathsResolved: pathsResolved,
                filters: report.header?.filters.map(ReportText.filterConditions)))
        self.overflowed = overflowed
    }

    /// How a category was delivered, in words.
    static func state(_ c: RecordingHeader.Capability) -> String {
        guard c.observed else { return "not observed" }
        switch c.support {
        case .supported: return "supported"
        case .partial: return "partial (missing \(c.missing.joined(separator: ", ")))"
        case .unavailable: return "unavailable"
        case nil: return "unknown"
        }
    }

    /// A network name: a socket path normalised like any path, `fd N of PID` (a listen whose
    /// bind was not seen) without its pid, `host:port` as it is.
    static func address(_ name: String, _ normaliser: NameNormaliser) -> String {
        if name.hasPrefix("fd "), let of = name.firstRange(of: " of ") { return name[..<of.upperBound] + "*" }
        return normaliser.normalise(name)
    }

    /// `kind errno subject` with the subject normalised.
    static func failure(_ name: String, _ normaliser: NameNormaliser) -> String {
        let parts = name.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return name }
        return parts[0] + " " + parts[1] + " " + normaliser.normaliseRename(String(parts[2]))
    }
}
