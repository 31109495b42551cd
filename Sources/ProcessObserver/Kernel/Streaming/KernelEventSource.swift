/// A backend that reports kernel events (file, network, process) for the observed tree.
///
/// This is the seam the eBPF backend plugs into. The run calls, in order: `track` in the parent
/// while the child waits at the start gate (so the child is known before its first instruction),
/// `start` to begin delivery, and `stop` once the root has been reaped (a final drain, then every
/// kernel object is released).
protocol KernelEventSource: AnyObject, Sendable {
    /// The categories this source delivers.
    var categories: Set<EventCategory> { get }
    /// Registers a process; its future descendants follow it in the kernel.
    func track(processID: Int32) throws(ObserverError)
    /// Registers a spawned child waiting at the start gate: as `track`, but what it does before
    /// its exec (reading the gate) is the observer's own I/O, not counted.
    func trackGated(processID: Int32) throws(ObserverError)
    /// Counts the syscalls of a tracked process that is already running (an attach) from now on,
    /// when the run summarizes syscalls; a spawned process is counted from its exec without it.
    func startCountingSyscalls(processID: Int32)
    /// Starts the consumer thread, publishing to `hub`. `rootProcessID` is the observed root;
    /// `onRootExit` is called with how it ended when the kernel reports it: the status of an
    /// attached process we cannot reap, and whether the OOM killer chose the root. It runs on the
    /// consumer thread.
    func start(hub: EventHub, rootProcessID: Int32, onRootExit: (@Sendable (ProcessEnd) -> Void)?)
    /// Consumes what is pending, detaches and frees everything. Idempotent.
    func stop() -> KernelSourceStats
}

extension KernelEventSource {
    func startCountingSyscalls(processID: Int32) {}
    func trackGated(processID: Int32) throws(ObserverError) { try track(processID: processID) }
}
