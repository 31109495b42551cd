import Logging

/// An existing cgroup v2 and the cgroups beneath it (a systemd service, a container), observed
/// from now until it holds no process (`obsctl watch --cgroup`).
///
/// ```swift
/// let service = AttachedCgroup(path: "/system.slice/nginx.service")
/// let events = service.withObserver(.lifecycle(.file, .network, .process))
/// let attached = try service.attach()
/// // …
/// attached.stop()
/// ```
///
/// The kernel filters by cgroup ancestry: every task in the cgroup or beneath it is observed,
/// including processes moved in after the attach, and the observer itself never is. Nothing in
/// the cgroup is signalled, ever: `stop()` only stops observing. There is no root process: the
/// processes found at the attach each have a `started` event, every exit is an `exit` event (the
/// kernel's), and the closing `profile` (pid 0) has the wall time, the samples and, in `tree`,
/// the CPU the cgroup used while observed (`cpu.stat`). Needs the eBPF backend.
public final class AttachedCgroup: @unchecked Sendable {
    /// The cgroup as given: its directory (`/sys/fs/cgroup/system.slice/x.service`) or its path
    /// in the hierarchy (`/system.slice/x.service`, as `/proc/<pid>/cgroup` shows it).
    public let path: String
    let logger: Logger
    private let pending = PendingSubscribers()

    public init(path: String, logger: Logger = Logger(label: "ProcessObserver")) {
        self.path = path
        self.logger = logger
    }

    /// Adds a subscriber to the next `attach()`.
    public func withObserver(_ config: ObserverConfig = .lifecycle()) -> ObserverSubscriber {
        pending.add(config)
    }

    /// Starts observing. Throws `.invalidConfiguration` when the path is not a cgroup v2,
    /// `.processNotFound` when it holds no process, `.backendUnavailable` when eBPF cannot load.
    public func attach() throws(ObserverError) -> AttachedRun {
        try pending.start { subscribers throws(ObserverError) in
            AttachedRun(session: try RunSession.attach(cgroup: path, subscribers: subscribers, logger: logger))
        }
    }
}
