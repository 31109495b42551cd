import ProcessObserver

/// The answers a recording holds, gathered in one pass (`RunReportBuilder`): how the run went,
/// its process tree, the files and network peers it touched, and its CPU and memory over time.
/// `Docs/REPORT.md` says exactly what each part counts; `TerminalReport`, `ReportJSON` and the
/// HTML report render it.
public struct RunReport: Sendable {
    public var header: RecordingHeader?
    public var coverage: RecordingCoverage
    /// Time zero of every offset in the report: the header's clock base, else the first event.
    public var originNs: UInt64

    // MARK: the run
    public var command: [String]
    public var workingDirectory: String?
    public var status: ExitStatus?
    public var profile: RunProfile?
    /// The last event's timestamp: the end of a run with no profile.
    public var lastTimestampNs: UInt64
    /// `lost` events by source, summed (the profile says the same for a whole run).
    public var lostKernel: UInt64 = 0
    public var lostSubscriber: UInt64 = 0
    /// Items an exporter could not send (`lost` events of source `exporter`).
    public var lostExporter: UInt64 = 0
    /// Events a segmented recording's writer could not write (`lost` events of source `writer`).
    public var lostWriter: UInt64 = 0
    public var limits: [LimitReached] = []
    /// Events by kind name.
    public var eventCounts: [String: Int] = [:]

    // MARK: the tree
    /// Every process, in the order the recording first showed it; the root first when it has one.
    public var processes: [ReportedProcess] = []
    /// Indices of the processes without a known parent (the root, and orphans of an attached run).
    public var roots: [Int] = []

    // MARK: files and network
    public var files: FileActivity
    public var network: NetworkActivity
    /// Bytes per file and per peer, DNS lookups, io_uring users (issue 18's events).
    public var io = IOActivity()

    // MARK: samples
    public var samples: ResourceSeries

    // MARK: syscalls
    /// The syscall summary (`obsctl watch -c`): empty when the recording has none.
    public var syscalls = SyscallReport()

    /// Wall time of the run: the profile's tree wall time (the last process's exit), its root's
    /// wall time, or, without a profile, from the origin to the last event.
    public var wallNs: UInt64 {
        if let p = profile { return p.treeWallNanoseconds ?? p.wallNanoseconds }
        return lastTimestampNs >= originNs ? lastTimestampNs - originNs : 0
    }

    /// Categories the recording lacks, wholly or partly, as `category: support (reason)` for the
    /// run section; empty when every category was observed and supported.
    public var missingCapabilities: [String] {
        guard let header else { return [] }
        return header.capabilities.compactMap { c in
            guard ["lifecycle", "file", "network", "process"].contains(c.category) else { return nil }
            if !c.observed { return "\(c.category): not observed" }
            switch c.support {
            case .supported: return nil
            case .partial: return "\(c.category): partial (missing \(c.missing.joined(separator: ", ")))"
            case .unavailable: return "\(c.category): unavailable"
            case nil: return "\(c.category): unknown support"
            }
        }
    }

    /// Processes that failed (exit ≠ 0, a signal, or a failed exec).
    public var failedProcesses: Int { processes.filter(\.failed).count }
}
