/// What a run controls: every process of its cgroup, or, where no cgroup can be made, the root's
/// process group (which a descendant can leave with `setsid`).
///
/// Every signal a run sends (timeout, cancel, kill-on-drop, forwarded signals) goes through here,
/// so the choice is made once, at spawn.
enum ProcessScope: Sendable {
    case cgroup(RunCgroup)
    case processGroup(Int32)

    /// Sends `signal` to every process of the scope.
    func signal(_ signal: Int32) {
        switch self {
        case .cgroup(let cgroup): cgroup.signalAll(signal)
        case .processGroup(let pgid): Syscall.signalGroup(pgid, signal)
        }
    }

    /// SIGKILL to every process of the scope (`cgroup.kill` for a cgroup).
    func kill() {
        switch self {
        case .cgroup(let cgroup): cgroup.kill()
        case .processGroup(let pgid): Syscall.signalGroup(pgid, SignalNumber.kill)
        }
    }

    /// The processes still in the scope (for a process group: unknown, so empty).
    var processes: [Int32] {
        if case .cgroup(let cgroup) = self { return cgroup.allProcesses() }
        return []
    }

    var cgroup: RunCgroup? {
        if case .cgroup(let cgroup) = self { return cgroup }
        return nil
    }

    /// `cgroup2` or `process-group`, as the profile and the capabilities name it.
    var backend: String {
        switch self {
        case .cgroup: "cgroup2"
        case .processGroup: "process-group"
        }
    }
}

/// How a spawned run is contained.
public enum Containment: Sendable, Hashable {
    /// A cgroup of its own when this machine allows it (see `ObserverCapabilities.containment`),
    /// else the process group, as `.processGroup`.
    case automatic
    /// Only the root's process group: what a descendant that calls `setsid` leaves.
    case processGroup
}

/// When a spawned run is over.
public enum RunEnd: Sendable, Hashable {
    /// When every process of the run has exited, as `strace -f` ends (with a cgroup; without one,
    /// descendants cannot be followed and the run ends with the root).
    case lastProcessExits
    /// When the root exits: the rest of the tree is ended (SIGTERM, the grace period, SIGKILL) and
    /// the run closes once it is gone.
    case rootExits
}

extension Optional where Wrapped == ProcessScope {
    /// Until when a run with this scope may signal it: a cgroup until the run closes, a process
    /// group until its root exits, and no scope (an attached run) never.
    var signalWindow: RunStateMachine.SignalWindow {
        switch self {
        case .none: .never
        case .some(.cgroup): .untilClosed
        case .some(.processGroup): .untilRootExits
        }
    }
}
