import SystemPackage

/// The process that ends this observer's runs when the observer dies, however it dies.
///
/// A run's root dies with a killed obsctl (`PR_SET_PDEATHSIG`), but nothing else of its tree
/// does: a daemon that called `setsid`, a child that ignores SIGINT. So, once per process, when
/// its `CgroupOwner` is first needed, the observer forks a watchdog (as container runtimes' shims
/// and conmon do): it sits in the observer's own cgroups (never in a run's), in a session of its
/// own, named `obs-watchdog`, and blocks reading a pipe whose write end only the observer holds.
/// When the observer dies (SIGKILL, the OOM killer, a crash, or a normal exit), the write end
/// closes and the watchdog wakes: it writes `cgroup.kill` in every run cgroup (spares included;
/// SIGKILL to each listed pid in a v1 hierarchy), removes the run cgroups once empty, deepest
/// first, then the owner directories in every hierarchy, and exits (`obs_watchdog_start`). After
/// a normal exit the `atexit` handler has removed them already, and it finds nothing to do.
/// Runs without a cgroup are contained by their process group: the observer writes each group's
/// id on the pipe while the run owns it, and the watchdog kills the groups it still holds first.
///
/// It is forked through an intermediate child that exits at once, so it is never this process's
/// zombie, and `wait` in the caller's code never sees it. It costs one descriptor for the
/// process's lifetime (`keep`), and a fork of the observer's address space (BENCHMARKS.md).
struct ObserverWatchdog: Sendable {
    /// The watchdog's process id.
    let processID: Int32
    /// The write end of its pipe, never closed while this process lives; written only with the
    /// process groups of runs that have no cgroup.
    let keep: FileDescriptor

    /// Starts the watchdog over the owner's directories (the v2 one and every v1 one); nil when
    /// the fork fails, and the runs then lose only this protection (the next observer still
    /// removes what a killed one left).
    static func start(for owner: CgroupOwner) -> ObserverWatchdog? {
        start(owners: [owner.directory] + owner.v1Directories.keys.sorted().compactMap { owner.v1Directories[$0] })
    }

    /// Starts a watchdog over `owners` (none: only the process groups it is told of).
    private static func start(owners: [String]) -> ObserverWatchdog? {
        guard let started = try? Syscall.startWatchdog(owners: owners) else { return nil }
        return ObserverWatchdog(processID: started.processID, keep: started.keep)
    }

    /// The watchdog that ends this process's runs without a cgroup: the cgroup owner's when there
    /// is one, else one started for them on first use (once).
    static let forProcessGroups: ObserverWatchdog? = {
        if case .success(let owner) = CgroupOwner.shared, let watchdog = owner.currentWatchdog { return watchdog }
        return start(owners: [])
    }()

    /// A run contained by the process group `pgid` has started: if this process dies, the
    /// watchdog kills the group. One 4-byte write (atomic on a pipe).
    func watch(processGroup pgid: Int32) { send(pgid) }

    /// The run no longer owns `pgid` (its root exited: the id may be reused once the group is
    /// gone).
    func forget(processGroup pgid: Int32) { send(-pgid) }

    private func send(_ word: Int32) {
        var word = word
        _ = try? withUnsafeBytes(of: &word) { try keep.writeAll($0) }
    }
}
