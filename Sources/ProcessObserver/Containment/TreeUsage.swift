/// What a run's whole tree used, from its cgroup.
public struct TreeUsage: Sendable, Hashable {
    /// CPU time of every process that was ever in the cgroup (`cpu.stat`), daemons included.
    public var userCPUNanoseconds: UInt64 = 0
    public var systemCPUNanoseconds: UInt64 = 0
    /// The cgroup's peak memory (all its processes' pages, page cache included), when the kernel
    /// reports one here; nil otherwise.
    public var peakMemoryBytes: UInt64?
    /// The most processes the cgroup held at once, when the kernel reports it; nil otherwise.
    public var peakProcesses: Int?

    public init() {}

    /// The CPU used since `earlier` (a `cpu.stat` read before; nil: since the cgroup was made);
    /// the peaks (since the cgroup was made, not since `earlier`) are left out.
    func since(_ earlier: CgroupCPUStat?) -> TreeUsage {
        var usage = cpuSince(earlier)
        usage.peakMemoryBytes = nil
        usage.peakProcesses = nil
        return usage
    }

    /// The CPU used since `earlier`, the peaks kept (a recycled cgroup has none that could carry
    /// over: `RunCgroup.recycle()`).
    func cpuSince(_ earlier: CgroupCPUStat?) -> TreeUsage {
        var usage = self
        let user = (earlier?.userMicroseconds ?? 0) &* 1000
        let system = (earlier?.systemMicroseconds ?? 0) &* 1000
        usage.userCPUNanoseconds = userCPUNanoseconds - min(userCPUNanoseconds, user)
        usage.systemCPUNanoseconds = systemCPUNanoseconds - min(systemCPUNanoseconds, system)
        return usage
    }
}
