import SystemPackage

/// A run's cgroup as the reaper and the sampler see it, whether the run owns it (`RunCgroup`) or
/// only attached to it (`ObservedCgroup`): whether it is populated, its processes, a sample's
/// reading of its counters.
protocol WatchedCgroup: AnyObject, Sendable {
    var files: OpenCgroup { get }
    /// Where the run's counters start.
    var baseline: CgroupBaseline { get }
}

extension WatchedCgroup {
    /// The v2 directory.
    var directory: String { files.directory }
    /// `cgroup.events`, kept open, which the reaper watches for `EPOLLPRI`.
    var events: FileDescriptor { files.events }
    /// Whether any process is left (`OpenCgroup.isPopulated`).
    var isPopulated: Bool { files.isPopulated }
    /// The processes in the cgroup and in the cgroups nested in it.
    func allProcesses() -> [Int32] { files.allProcesses() }
    /// The cgroup's counters now, for a sample, counted from the run's baseline.
    func reading() -> CgroupReading? { files.reading(from: baseline) }
}
