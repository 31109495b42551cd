import SystemPackage

/// A cgroup v2 directory opened for a run, owned (`RunCgroup`) or attached (`ObservedCgroup`):
/// its descriptors, and the reads both kinds share (whether it is populated, its processes, its
/// counters for a sample and for the tree profile), each through `CgroupFS`.
///
/// Immutable, so any thread may read through it; the descriptors are closed once, by `close()`,
/// when the cgroup's last user is done with it (`RunCgroup.remove()`, `ObservedCgroup.release()`).
struct OpenCgroup: Sendable {
    /// The v2 directory.
    let directory: String
    /// `O_DIRECTORY` descriptor of `directory`, for `CLONE_INTO_CGROUP`.
    let descriptor: FileDescriptor
    /// `cgroup.events`, kept open: the kernel signals a change of `populated` as `POLLPRI`.
    let events: FileDescriptor
    /// `cpu.stat`, `cgroup.stat` and `cgroup.procs` (for writing) of a cgroup we made, opened with
    /// it and kept (a cgroup handed on keeps them): a path walk less for every read and every
    /// spawn. Nil for an attached cgroup, whose files are read by path.
    let cpuStatFile: FileDescriptor?
    let statFile: FileDescriptor?
    let procsFile: FileDescriptor?
    /// The v2 controllers enabled in this cgroup (`cgroup.controllers`, its parent's
    /// `cgroup.subtree_control`): only their interface files exist, so only theirs are read (a
    /// file looked up in vain costs a path walk on every run).
    let controllers: Set<String>
    /// The v1 directories by controller (a run's cgroup on a hybrid host; empty otherwise).
    let v1Directories: [String: String]

    /// The cgroup's `cpu.stat` now, through the kept descriptor when there is one.
    func cpuStat() -> CgroupCPUStat? {
        cpuStatFile.flatMap(CgroupFS.cpuStat(through:)) ?? CgroupFS.cpuStat(in: directory)
    }

    /// Whether any process is left (`cgroup.events`: `populated 1`). Read through the descriptor
    /// the reaper's epoll watches, which re-arms its `EPOLLPRI`; when that fails, whether
    /// `cgroup.procs` lists one.
    var isPopulated: Bool {
        CgroupFS.events(through: events)?.populated ?? !allProcesses().isEmpty
    }

    /// The processes in the cgroup and in the cgroups nested in it.
    func allProcesses() -> [Int32] { CgroupFS.allProcesses(under: directory) }

    /// The cgroup's own counters now, for a sample (`CgroupTotals` says what each counts),
    /// counted from `baseline`: one read of `cpu.stat`, and of `memory.current`, `pids.current`
    /// and `io.stat` where they exist (v2 first, then the v1 memory and pids cgroups). Nil when
    /// `cpu.stat` cannot be read.
    func reading(from baseline: CgroupBaseline) -> CgroupReading? {
        guard let now = cpuStat() else { return nil }
        let (cpu, baselineCPUNs) = baseline.reading(now)
        let tasks = v2("pids", CgroupFS.pidsCurrent(in:)) ?? v1Directories["pids"].flatMap(CgroupFS.pidsCurrent(in:))
        return CgroupReading(
            cpu: cpu, createdNs: baseline.startNs, baselineCPUNs: baselineCPUNs,
            memoryBytes: v2("memory", CgroupFS.memoryCurrent(in:))
                ?? v1Directories["memory"].flatMap(CgroupFS.memoryUsageInBytes(in:)),
            taskCount: tasks.flatMap { Int(exactly: $0) },
            io: controllers.contains("io") ? CgroupFS.ioStat(in: directory) : nil)
    }

    /// The cgroup's totals since it was made: `cpu` (its `cpu.stat`, which every cgroup v2 has,
    /// controllers or not), the peak memory (`memory.peak` on v2 with the memory controller,
    /// Linux 5.19+; else the v1 `memory.max_usage_in_bytes`), the peak process count (`pids.peak`,
    /// v2 with the pids controller, Linux 6.1+).
    func totals(cpu: CgroupCPUStat?) -> TreeUsage {
        var usage = TreeUsage()
        if let cpu {
            usage.userCPUNanoseconds = cpu.userMicroseconds &* 1000
            usage.systemCPUNanoseconds = cpu.systemMicroseconds &* 1000
        }
        usage.peakMemoryBytes =
            v2("memory", CgroupFS.memoryPeak(in:))
            ?? v1Directories["memory"].flatMap(CgroupFS.memoryMaxUsageInBytes(in:))
        usage.peakProcesses = v2("pids", CgroupFS.pidsPeak(in:)).flatMap { Int(exactly: $0) }
        return usage
    }

    /// OOM kills and refused forks so far (v2 `memory.events` and `pids.events`; v1
    /// `memory.oom_control` and `pids.events`); 0 where no file says.
    func limitEvents() -> LimitEvents {
        let oomKills =
            v2("memory") { CgroupFS.memoryEvents(in: $0)?.oomKills }
            ?? v1Directories["memory"].flatMap { CgroupFS.oomControl(in: $0)?.oomKills }
        let refused =
            v2("pids") { CgroupFS.pidsEvents(in: $0)?.refusedForks }
            ?? v1Directories["pids"].flatMap { CgroupFS.pidsEvents(in: $0)?.refusedForks }
        return LimitEvents(oomKills: Int(clamping: oomKills ?? 0), processLimitHits: Int(clamping: refused ?? 0))
    }

    /// `read(directory)` when `controller` is enabled here (so its files exist), else nil.
    private func v2<T>(_ controller: String, _ read: (String) -> T?) -> T? {
        controllers.contains(controller) ? read(directory) : nil
    }

    /// Closes every descriptor. Once, by the cgroup's last user.
    func close() {
        for fd in [cpuStatFile, statFile, procsFile].compactMap({ $0 }) { try? fd.close() }
        try? events.close()
        try? descriptor.close()
    }
}
