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
