import CSpawn
import Logging
import SystemPackage

/// A process that is already running, observed from now until it exits (`obsctl watch --pid`).
///
/// ```swift
/// let target = AttachedProcess(processID: pid)
/// let events = target.withObserver(.lifecycle(.file, .process))
/// let attached = try target.attach()
/// let result = attached.wait()
/// ```
///
/// The process and its existing descendants (from `/proc/<pid>/task/*/children`) are tracked in
/// the kernel, and their future children follow. It is not our child, so its exit cannot be
/// reaped: the exit status comes from the eBPF `sched_process_exit` event of its last thread, and
/// a pidfd (`pidfd_open(2)`) notices the exit in case that event is missed. The run profile has
/// the wall time from attach to exit and the sample count; its rusage figures are zero
/// (`wait4(2)` works only for children). Perf samples of the tree flow as for a spawned process
/// when a subscriber asks for them. Attaching needs the eBPF backend even for lifecycle events.
public final class AttachedProcess: @unchecked Sendable {
    public let processID: Int32
    let logger: Logger
    private let pending = PendingSubscribers()

    public init(processID: Int32, logger: Logger = Logger(label: "ProcessObserver")) {
        self.processID = processID
        self.logger = logger
    }

    /// Adds a subscriber to the next `attach()`.
    public func withObserver(_ config: ObserverConfig = .lifecycle()) -> ObserverSubscriber {
        pending.add(config)
    }

    /// Starts observing. Throws `.processNotFound` when the process does not exist (or has already
    /// exited), `.backendUnavailable` when eBPF cannot load here.
    public func attach() throws(ObserverError) -> AttachedRun {
        try pending.start { subscribers throws(ObserverError) in
            AttachedRun(session: try RunSession.attach(processID: processID, subscribers: subscribers, logger: logger))
        }
    }
}
