/// An attached observation (`AttachedProcess.attach()`, `AttachedCgroup.attach()`); ends when
/// the process exits (for a cgroup: when it holds no process), `stop()` is called, or the last
/// reference to the handle goes (as dropping a `RunningProcess` ends its run): the eBPF programs,
/// the ring-buffer thread and every descriptor of the observation are then released, and the
/// subscribers' streams end with `profile`. Nothing attached to is ever signalled: stopping only
/// stops observing.
public final class AttachedRun: @unchecked Sendable {
    let session: RunSession
    /// The process attached to; 0 for a cgroup, which has no root process.
    public var processID: Int32 { session.processID }
    /// The process's name (`/proc/<pid>/comm`) when observing began; nil if it could not be read
    /// (and for a cgroup).
    public let command: ByteString?
    /// The cgroup attached to (its directory), for `AttachedCgroup`.
    public var cgroupDirectory: String? {
        if case .cgroup(let cgroup) = session.root { return cgroup.directory }
        return nil
    }

    /// The status reported when the exit could not be learnt (the process exited between the
    /// attach and the tracking, or `stop()` ended the observation first), and for a cgroup:
    /// `ExitStatus.unknown` (JSON: `exit_code` -1 with `signal` null, which no real end has).
    public static let unknownStatus = ExitStatus.unknown

    init(session: RunSession) {
        self.session = session
        self.command = session.processID > 0 ? ProcFS.comm(session.processID) : nil
    }

    /// Stop-on-drop: nobody can `stop()` or `wait()` any more, so observing ends.
    deinit { session.stop() }

    /// Ends the observation now; what was observed keeps running. `wait()` then returns with
    /// `unknownStatus` unless the exit had already been seen.
    public func stop() { session.stop() }

    /// Blocks until the observation has ended and its stream is closed (in async code, prefer
    /// `await result`; there is no async `wait()`, as on `RunningProcess`).
    public func wait() -> ProcessResult { session.wait() }

    /// The observation's result, once it has ended and its stream is closed: suspends until then.
    public var result: ProcessResult {
        get async { await session.wait() }
    }
}
