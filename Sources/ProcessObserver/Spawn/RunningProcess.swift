/// A started process. Dropping the handle without `wait()` kills its process group and reaps it,
/// so no process outlives an abandoned handle and no zombie is left.
public final class RunningProcess: Sendable {
    let run: Run

    init(run: Run) { self.run = run }

    deinit { run.killIfRunning() }

    /// The process identifier (also its process group identifier).
    public var processID: Int32 { run.pid }

    /// False once the process has been reaped.
    public var isRunning: Bool { run.isRunning }

    /// Blocks until the process has exited and its run is closed.
    public func wait() -> ProcessResult { run.wait() }

    /// Suspends until the process has exited and its run is closed.
    public func wait() async -> ProcessResult { await run.wait() }

    /// Sends `signal` to the whole process group (no-op once reaped).
    public func signal(_ signal: Int32) { run.signal(signal) }

    /// Cancels the run: SIGTERM to the process group, then SIGKILL after the grace period.
    public func terminate() { run.terminate() }
}
