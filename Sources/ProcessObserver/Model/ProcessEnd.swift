/// How a process ended, as an `exited` or `exit` event tells it: the status `wait(2)` gives, and
/// whether the OOM killer chose it.
///
/// The status alone cannot say the second: an OOM kill is a plain SIGKILL. The kernel marks the
/// process it chose (its `signal->oom_mm`), and the exit record carries that mark, so a kill in a
/// run's cgroup names its victim even when the root runs on; `memory.events` only counts kills.
public struct ProcessEnd: Sendable, Hashable {
    public var status: ExitStatus
    /// The OOM killer ended this process (the kernel marked it as its victim). Always with
    /// `status` SIGKILL.
    public var killedByOOM: Bool

    public init(_ status: ExitStatus, killedByOOM: Bool = false) {
        self.status = status
        self.killedByOOM = killedByOOM
    }
}

extension ProcessEnd {
    /// A normal exit with `code`, as a pattern or a value (`.exit(.exited(code: 0))`).
    public static func exited(code: Int32) -> ProcessEnd { ProcessEnd(.exited(code: code)) }

    /// Death by `signal`, not chosen by the OOM killer.
    public static func signaled(signal: Int32, coreDumped: Bool) -> ProcessEnd {
        ProcessEnd(.signaled(signal: signal, coreDumped: coreDumped))
    }
}
