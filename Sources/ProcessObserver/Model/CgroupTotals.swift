/// A contained run's own counters, read from its cgroup at the same look as a sample's `/proc`
/// figures. They count every task that was ever in the run's cgroup (and in the cgroups nested
/// in it), exited ones and daemons included, where the sample's per-process sums cover only the
/// processes alive at that look.
///
/// `PerfSample.cgroup` holds them for a run with a cgroup; it is nil for a run contained by its
/// process group only and for an attached process (`--pid`), which have no cgroup of their own.
public struct CgroupTotals: Sendable, Hashable {
    /// CPU time the cgroup has used so far (cgroup v2 `cpu.stat` `usage_usec`, in nanoseconds):
    /// the scheduler's exact run time, present in every v2 cgroup, controllers or not.
    public var cpuNanoseconds: UInt64
    /// The user and system parts of it (`user_usec`, `system_usec`): `cpuNanoseconds` split by
    /// the tick-sampled proportion, so they add up to it give or take rounding.
    public var userCPUNanoseconds: UInt64
    public var systemCPUNanoseconds: UInt64
    /// `cpuNanoseconds` used over the interval in percent of one core (200.0 means two cores
    /// busy), like `PerfSample.totalCPUPercent`. On the run's first sample it is measured from
    /// the cgroup's creation, just before the run's first process entered it.
    public var cpuPercent: Double
    /// Memory charged to the cgroup now, page cache and kernel memory included: v2
    /// `memory.current` where the memory controller is enabled for the run, else v1
    /// `memory.usage_in_bytes` of the run's v1 memory cgroup (hybrid hosts; a run has one only
    /// with a memory limit). Nil when neither exists.
    public var memoryBytes: UInt64?
    /// Tasks in the cgroup now, every thread counted (`pids.current`: v2 where the pids
    /// controller is enabled, else of the run's v1 pids cgroup, which a run on a hybrid host has
    /// only with a process limit). Nil when neither exists. `PerfSample.processCount` counts
    /// processes instead.
    public var taskCount: Int?
    /// Bytes read from and written to block devices so far (v2 `io.stat` `rbytes` and `wbytes`,
    /// summed over the devices). Nil where the io controller is not enabled for the run (always
    /// on a hybrid host, whose io controller is the v1 `blkio`).
    public var diskReadBytes: UInt64?
    public var diskWrittenBytes: UInt64?

    public init(
        cpuNanoseconds: UInt64, userCPUNanoseconds: UInt64, systemCPUNanoseconds: UInt64, cpuPercent: Double,
        memoryBytes: UInt64? = nil, taskCount: Int? = nil, diskReadBytes: UInt64? = nil,
        diskWrittenBytes: UInt64? = nil
    ) {
        self.cpuNanoseconds = cpuNanoseconds
        self.userCPUNanoseconds = userCPUNanoseconds
        self.systemCPUNanoseconds = systemCPUNanoseconds
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
        self.taskCount = taskCount
        self.diskReadBytes = diskReadBytes
        self.diskWrittenBytes = diskWrittenBytes
    }
}
