/// The cgroup interface files the library reads or writes, by name: the only place those names
/// are spelled (`CgroupFileRuleTests` keeps it so), so that grepping for a case finds every use.
///
/// Reads go through `CgroupFS`, one reader per file, each with one parser; writes (limits,
/// `cgroup.procs`, `cgroup.kill`, `cgroup.subtree_control`) name their file here too.
enum CgroupFile: String, CaseIterable, Sendable {
    // cgroup v2 core files: every v2 cgroup but the root has them, controllers or not.
    case events = "cgroup.events"
    case stat = "cgroup.stat"
    case procs = "cgroup.procs"
    case controllers = "cgroup.controllers"
    case subtreeControl = "cgroup.subtree_control"
    case kill = "cgroup.kill"
    case cpuStat = "cpu.stat"
    // cgroup v2 controller files: only where the controller is enabled.
    case cpuMax = "cpu.max"
    case ioStat = "io.stat"
    case memoryCurrent = "memory.current"
    case memoryPeak = "memory.peak"
    case memoryMax = "memory.max"
    case memoryEvents = "memory.events"
    /// v2, and v1's pids controller, which has the same four files.
    case pidsCurrent = "pids.current"
    case pidsPeak = "pids.peak"
    case pidsMax = "pids.max"
    case pidsEvents = "pids.events"
    // cgroup v1 memory and cpu controller files (hybrid hosts).
    case memoryUsageInBytes = "memory.usage_in_bytes"
    case memoryMaxUsageInBytes = "memory.max_usage_in_bytes"
    case memoryLimitInBytes = "memory.limit_in_bytes"
    case memoryOOMControl = "memory.oom_control"
    case eventControl = "cgroup.event_control"
    case cpuCFSPeriod = "cpu.cfs_period_us"
    case cpuCFSQuota = "cpu.cfs_quota_us"

    /// The file's path in the cgroup directory `directory`.
    func path(in directory: String) -> String { directory + "/" + rawValue }
}
