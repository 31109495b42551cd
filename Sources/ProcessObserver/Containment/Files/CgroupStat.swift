/// A cgroup v2 `cgroup.stat`: how many cgroups are nested in this one (live, and removed but not
/// yet freed by the kernel). A cgroup with a nested one is never handed to another run: a process
/// of the finished run made it (an observer inside the run, say).
///
/// The per-controller lines (`nr_subsys_<controller>`, Linux 6.11+) are ignored.
struct CgroupStat: Sendable, Hashable {
    var descendants: UInt64
    var dyingDescendants: UInt64

    /// Parses the whole file; nil when `nr_descendants` or `nr_dying_descendants` is missing or
    /// not a number.
    init?(parsing bytes: [UInt8]) {
        guard let live = ProcText.value(of: "nr_descendants", in: bytes),
            let dying = ProcText.value(of: "nr_dying_descendants", in: bytes)
        else { return nil }
        descendants = live
        dyingDescendants = dying
    }
}
