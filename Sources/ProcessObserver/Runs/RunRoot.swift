import SystemPackage

/// What a run follows to its end: a child of ours, a process it attached to, or a cgroup it
/// attached to.
enum RunRoot: Sendable {
    /// A process we started: its pidfd says when it exited, and `wait4(2)` reaps it with its
    /// rusage.
    case child(processID: Int32, pidfd: FileDescriptor)
    /// A running process we attached to (not our child): its pidfd says when it exited, and its
    /// exit status comes from the kernel's exit record.
    case process(processID: Int32, pidfd: FileDescriptor)
    /// An existing cgroup we attached to: no root process; the run lasts while the cgroup holds
    /// processes (its `cgroup.events`).
    case cgroup(ObservedCgroup)

    /// The root's pid; 0 for a cgroup, which has none.
    var processID: Int32 {
        switch self {
        case .child(let pid, _), .process(let pid, _): pid
        case .cgroup: 0
        }
    }

    var pidfd: FileDescriptor? {
        switch self {
        case .child(_, let fd), .process(_, let fd): fd
        case .cgroup: nil
        }
    }
}

/// What differs between the root kinds once the run has started, stated here once instead of
/// in a branch at each use.
extension RunRoot {
    /// The attached cgroup, for a run that follows one.
    var observedCgroup: ObservedCgroup? {
        if case .cgroup(let cgroup) = self { return cgroup }
        return nil
    }

    /// A root process whose exit is the run's `exited` (none for an attached cgroup, whose
    /// processes' exits are `exit` events).
    var hasRootProcess: Bool { observedCgroup == nil }

    /// The descriptor the reaper watches first: the root's pidfd, or an attached cgroup's
    /// `cgroup.events`.
    var firstWatched: FileDescriptor {
        switch self {
        case .child(_, let pidfd), .process(_, let pidfd): pidfd
        case .cgroup(let cgroup): cgroup.events
        }
    }

    /// The cgroup whose totals the run's samples and profile report: the attached one, or the
    /// run's own.
    func reportedCgroup(scope: ProcessScope?) -> (any WatchedCgroup)? { observedCgroup ?? scope?.cgroup }

    /// The run's exit status: a child's from `wait4`, an attached process's from the kernel's
    /// exit record (unknown when it was not seen), none for a cgroup.
    func exitStatus(waitStatus: Int32, kernelEnd: ProcessEnd?) -> ExitStatus {
        switch self {
        case .child: ExitStatus(waitStatus: waitStatus)
        case .process: kernelEnd?.status ?? AttachedRun.unknownStatus
        case .cgroup: AttachedRun.unknownStatus
        }
    }

    /// Whether the profile has the tree's wall time: not for an attached process, whose tree
    /// began before observing did.
    var measuresTreeWall: Bool {
        if case .process = self { return false }
        return true
    }
}
