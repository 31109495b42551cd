/// Limits on a whole run, enforced by its cgroup: what `systemd-run -p MemoryMax= -p TasksMax=
/// -p CPUQuota=` sets, for one observed command.
///
/// A limit that cannot be enforced here (no cgroup, or the controller is not available to this
/// process's cgroups) makes `spawn()` throw `.containmentFailed` with the reason: a run never
/// starts silently without a limit it was given.
public struct ResourceLimits: Sendable, Hashable {
    /// The most memory the tree may use, in bytes (`memory.max`; v1 `memory.limit_in_bytes`).
    /// Past it the kernel reclaims, then the OOM killer ends a process of the run.
    public var memoryBytes: UInt64?
    /// The most processes (and threads) the tree may hold at once (`pids.max`): forks beyond fail
    /// with EAGAIN.
    public var processCount: Int?
    /// The most CPU the tree may use, in cores (`cpu.max`; v1 `cpu.cfs_quota_us` over a 100 ms
    /// period): 0.5 is half of one core.
    public var cpuCores: Double?

    public init(memoryBytes: UInt64? = nil, processCount: Int? = nil, cpuCores: Double? = nil) {
        self.memoryBytes = memoryBytes
        self.processCount = processCount
        self.cpuCores = cpuCores
    }

    public static let none = ResourceLimits()

    /// No limit is set.
    public var isUnlimited: Bool { memoryBytes == nil && processCount == nil && cpuCores == nil }

    /// The CFS period both cgroup versions use here, in microseconds.
    static let cpuPeriodMicroseconds: UInt64 = 100_000
}

/// What the kernel did to a run because of its limits, read from the cgroup when the run ends.
public struct LimitEvents: Sendable, Hashable {
    /// Processes the OOM killer ended in the run (`memory.events` `oom_kill`; v1
    /// `memory.oom_control` `oom_kill`).
    public var oomKills: Int = 0
    /// Forks refused because the run was at `pids.max` (`pids.events` `max`).
    public var processLimitHits: Int = 0

    public init(oomKills: Int = 0, processLimitHits: Int = 0) {
        self.oomKills = oomKills
        self.processLimitHits = processLimitHits
    }
}
