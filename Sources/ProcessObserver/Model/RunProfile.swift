/// What a run cost, closing each observed run (the `profile` event) and returned by `wait()`.
///
/// Resource figures come from the `rusage` that `wait4(2)` returns for the child. Linux folds into
/// it the usage of every descendant the child itself waited for (the kernel adds a reaped child's
/// totals to its parent's `cutime`/`cstime`, fault and switch counters, and takes the maximum of
/// `maxrss`). Descendants that were never waited for (daemonised, or still running when the child
/// exited) are not counted.
public struct RunProfile: Sendable, Hashable {
    public var status: ExitStatus
    /// The exit code, nil when a signal killed the process.
    public var exitCode: Int32? { status.exitCode }
    public var signal: Int32? { status.signal }
    /// The timeout fired and every process of the run was sent SIGTERM (then SIGKILL after the grace).
    public var timedOut: Bool
    public var wallNanoseconds: UInt64
    public var userCPUNanoseconds: UInt64
    public var systemCPUNanoseconds: UInt64
    /// Peak resident set size in bytes (Linux reports `ru_maxrss` in KiB; converted here).
    ///
    /// The command's own figure, as GNU time's `%M` gives it: Linux folds the address space a
    /// process had *before* `execve` into this figure, and spawned commands are created by a
    /// small spawn helper (`Docs/ARCHITECTURE.md`, "The spawn helper"), so that address space is
    /// the helper's, under 1 MiB, not ours. Where the helper cannot run (no `memfd_create`, an
    /// `execveat` refused by a seccomp filter, `OBS_SPAWN_HELPER=0`; logged once at debug level),
    /// commands are spawned from the observer's process and this is at least the observer's own
    /// peak RSS. Use `sample` events for the program's RSS over time.
    public var peakRSSBytes: UInt64
    public var minorFaults: UInt64
    public var majorFaults: UInt64
    public var voluntaryContextSwitches: UInt64
    public var involuntaryContextSwitches: UInt64
    /// How many `sample` events this run produced.
    public var sampleCount: Int
    /// Events this subscriber's buffer dropped.
    public var lostSubscriber: UInt64
    /// Records the kernel ring buffer could not hold.
    public var lostKernel: UInt64
    /// Items an exporter could not send (`Lost.Source.exporter`); 0 without one.
    public var lostExporter: UInt64 = 0
    /// Events a segmented recording's writer could not write (its disk full with nothing left to
    /// remove; `Lost.Source.writer`); 0 without one.
    public var lostWriter: UInt64 = 0
    /// How the run was contained: `cgroup2` (its own cgroup: the tree figures below are known) or
    /// `process-group` (no cgroup could be made; descendants that left the group were not
    /// controlled). Nil for an attached process, which obsctl does not contain.
    public var containment: String?
    /// From the start to the moment the run's last process exited (at least `wallNanoseconds`,
    /// which ends with the root).
    public var treeWallNanoseconds: UInt64?
    /// What the whole tree used, from the run's cgroup; nil without one. Unlike the `wait4`
    /// figures above, this counts every process that was ever in the run, daemons included.
    public var tree: TreeUsage?
    /// The root was killed by the OOM killer (SIGKILL while the run's cgroup counted an OOM kill,
    /// and not sent by the run itself).
    public var killedByOOM = false

    /// Average CPU use in cores: CPU time over wall time. Nil when the wall time is zero.
    public var avgCPU: Double? {
        guard wallNanoseconds > 0 else { return nil }
        return Double(userCPUNanoseconds + systemCPUNanoseconds) / Double(wallNanoseconds)
    }

    public init(
        status: ExitStatus, timedOut: Bool = false, wallNanoseconds: UInt64, userCPUNanoseconds: UInt64 = 0,
        systemCPUNanoseconds: UInt64 = 0, peakRSSBytes: UInt64 = 0, minorFaults: UInt64 = 0,
        majorFaults: UInt64 = 0, voluntaryContextSwitches: UInt64 = 0, involuntaryContextSwitches: UInt64 = 0,
        sampleCount: Int = 0, lostSubscriber: UInt64 = 0, lostKernel: UInt64 = 0, containment: String? = nil,
        treeWallNanoseconds: UInt64? = nil, tree: TreeUsage? = nil
    ) {
        self.status = status
        self.timedOut = timedOut
        self.wallNanoseconds = wallNanoseconds
        self.userCPUNanoseconds = userCPUNanoseconds
        self.systemCPUNanoseconds = systemCPUNanoseconds
        self.peakRSSBytes = peakRSSBytes
        self.minorFaults = minorFaults
        self.majorFaults = majorFaults
        self.voluntaryContextSwitches = voluntaryContextSwitches
        self.involuntaryContextSwitches = involuntaryContextSwitches
        self.sampleCount = sampleCount
        self.lostSubscriber = lostSubscriber
        self.lostKernel = lostKernel
        self.containment = containment
        self.treeWallNanoseconds = treeWallNanoseconds
        self.tree = tree
    }
}
