import ProcessObserver

/// One process of a recorded run, as the report shows it: from its fork (or first sighting) to
/// its exit, with each exec on the way and what it cost where the recording says.
public struct ReportedProcess: Sendable, Hashable {
    /// One `execve` of the process, successful or not.
    public struct ExecPoint: Sendable, Hashable {
        public var timestampNs: UInt64
        public var path: String
        public var argv: [String]
        /// nil when it succeeded; the errno name (`ENOENT`) when it failed.
        public var errno: String?
    }

    public var processID: Int32
    /// nil for the root, and for a process whose parent the recording never showed.
    public var parentProcessID: Int32?
    /// When it was forked (or started, for the root); for a process seen only by its later
    /// events (an attached tree's existing children), its first event.
    public var startNs: UInt64
    /// Whether `startNs` is its real start (a `fork` or `started`), not a first sighting.
    public var startSeen: Bool
    public var exitNs: UInt64?
    public var status: ExitStatus?
    /// The OOM killer ended it (its `exit` or `exited` said so).
    public var killedByOOM = false
    /// The command line it ran last (its parent's until it execs), and the program.
    public var argv: [String]
    public var executable: String
    public var execs: [ExecPoint] = []
    /// CPU time estimated from the samples it appeared in (cpu_pct × the interval), in ns; nil
    /// when no sample listed it.
    public var sampledCPUNs: UInt64?
    /// The largest RSS any sample showed for it.
    public var peakRSSBytes: UInt64?
    /// Its real peak RSS, from the kernel at its exit (`ProcessEnd.peakRSSBytes`: the counter `wait4`
    /// and GNU time read): nil when its `exit` carried none (a recording before schema 1.2,
    /// no `process` category, an exit not seen).
    public var exitPeakRSSBytes: UInt64?
    /// The peak RSS of the image it ran at its exit, since its exec (`ProcessEnd.imagePeakRSSBytes`).
    public var exitImagePeakRSSBytes: UInt64?

    /// Whether `exitPeakRSSBytes` may include an image an exec replaced (a large parent's copy
    /// from before the exec): true when it exceeds the image's own figure; nil when either is
    /// unknown.
    public var exitPeakRSSIncludesPreExec: Bool? {
        ProcessEnd(.exited(code: 0), peakRSSBytes: exitPeakRSSBytes, imagePeakRSSBytes: exitImagePeakRSSBytes)
            .peakRSSIncludesPreExec
    }
    /// Index of each child in `RunReport.processes`, in fork order.
    public var children: [Int] = []

    /// Exited non-zero, killed by a signal, or its last exec failed. An exec that failed before
    /// one that succeeded is not a failure: that is how a PATH search looks (`execvp` tries
    /// `/usr/local/bin/as`, then `/usr/bin/as`). An end that is not known is not a failure.
    public var failed: Bool {
        if let status, !status.isSuccess, status != .unknown { return true }
        return failedExec != nil
    }

    /// The last exec, when it failed.
    public var failedExec: ExecPoint? {
        guard let last = execs.last, last.errno != nil else { return nil }
        return last
    }

    /// The name folding goes by: the program's file name.
    public var name: String {
        let base = executable.split(separator: "/").last.map(String.init) ?? executable
        return base.isEmpty ? (argv.first ?? "?") : base
    }
}
