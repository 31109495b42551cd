/// Waiting for what finished runs release in the background.
///
/// Runs end without waiting for their eBPF objects to be released (the programs are inert by
/// then) or for their cgroup directories to be removed; call this before counting the machine's
/// loaded programs or cgroups, or before a CLI exits, so that nothing of the observer is left.
public enum ObserverCleanup {
    /// Blocks until every finished run's eBPF objects are released (`untilFreed`: and freed by
    /// the kernel, see `EBPFBackend.waitForReleases`) and its cgroup is removed; then removes
    /// this process's cgroup directory when no run holds it.
    public static func waitForReleases(untilFreed: Bool = false) {
        EBPFBackend.waitForReleases(untilFreed: untilFreed)
        if case .success(let owner) = CgroupOwner.shared { owner.waitForReleases() }
    }
}
