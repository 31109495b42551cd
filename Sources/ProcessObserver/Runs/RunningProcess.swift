/// A started process. Dropping the handle without `wait()` kills every process of its run (its
/// cgroup) and reaps it, so no process outlives an abandoned handle and no zombie is left.
public final class RunningProcess: Sendable {
    let run: RunSession

    init(run: RunSession) { self.run = run }

    deinit { run.killIfRunning() }

    /// The process identifier (also its process group identifier).
    public var processID: Int32 { run.processID }

    /// False once the process has been reaped.
    public var isRunning: Bool { run.isRunning }

    /// Blocks until the process has exited and its run is closed. In async code, prefer
    /// `await result`, which suspends instead of blocking the thread.
    ///
    /// Synchronous on purpose, with no async overload of the same name: code moved from the top
    /// level into an `async` function then compiles unchanged (an async `wait()` would be chosen
    /// there and demand an `await`).
    public func wait() -> ProcessResult { run.wait() }

    /// The run's result, once the process has exited and its run is closed: suspends until then.
    public var result: ProcessResult {
        get async { await run.wait() }
    }

    /// Sends `signal` to every process of the run: its cgroup, or its process group without one
    /// (no-op once the run is over).
    public func signal(_ signal: Int32) { run.signal(signal) }

    /// Forwards an interrupt from the user (SIGINT, SIGTERM) to every process of the run, and
    /// kills what is left after the grace period, or at once on the second call.
    public func interrupt(_ signal: Int32) { run.interrupt(signal) }

    /// Cancels the run: SIGTERM to every process of it, then SIGKILL after the grace period.
    public func terminate() { run.terminate() }

    /// The run's processes still alive after the root exited, while the run waits for them
    /// (`RunEnd.lastProcessExits`, with a cgroup); empty otherwise.
    public var remainingProcesses: [Int32] { run.remainingProcesses }

    /// How the run is contained: `cgroup2`, or `process-group`.
    public var containment: String { run.scope?.backend ?? "process-group" }
}
