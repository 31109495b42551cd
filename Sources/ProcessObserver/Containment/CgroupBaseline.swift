/// Where a run's cgroup counters start: when the run took the cgroup, and what its `cpu.stat`
/// held then. One value, set whole when the run takes the cgroup, from which both the samples'
/// cgroup totals (`reading(_:)`) and the tree profile (`usage(_:)`) count, so the two agree.
struct CgroupBaseline: Sendable, Hashable {
    /// How the cgroup came to the run, which decides what its counters before `startNs` mean.
    enum Origin: Sendable, Hashable {
        /// Made for this run, or made ahead as a spare that no run used: its counters start at
        /// zero, and its peaks are this run's.
        case made
        /// Served earlier runs of ours (`RunCgroup.recycle()`): its counters carry theirs, so this
        /// run's start at `cpu`, and its samples and profile count from there. It has no peak
        /// that could carry over (a recycled cgroup has no memory or pids controller).
        case recycled(CgroupCPUStat)
        /// An existing cgroup a run attached to (`ObservedCgroup`): its totals are its own since
        /// whoever made it did, so samples report them as they are, and only the CPU percent and
        /// the profile count from `cpu` (nil when `cpu.stat` could not be read then: from zero).
        /// Its peaks are the cgroup's, not the observation's: the profile leaves them out.
        case attached(CgroupCPUStat?)
    }

    /// `CLOCK_MONOTONIC` when the run's counting started: when its cgroup was made or taken from
    /// the spares, or when the attached cgroup was opened.
    var startNs: UInt64
    var origin: Origin

    /// A sample's CPU counters from `cpu`, the cgroup's `cpu.stat` now: the counters it reports
    /// and the CPU time its first CPU percent counts from (`CgroupReading.baselineCPUNs`).
    func reading(_ cpu: CgroupCPUStat) -> (cpu: CgroupCPUStat, baselineCPUNs: UInt64) {
        switch origin {
        case .made: (cpu, 0)
        case .recycled(let start): (cpu.since(start), 0)
        case .attached(let start): (cpu, (start?.usageMicroseconds ?? 0) &* 1000)
        }
    }

    /// What the run's tree used, from `totals`, the cgroup's counters and peaks at the run's end.
    func usage(_ totals: TreeUsage) -> TreeUsage {
        switch origin {
        case .made: totals
        case .recycled(let start): totals.cpuSince(start)
        case .attached(let start): totals.since(start)
        }
    }
}
