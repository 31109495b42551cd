import Logging
import SystemPackage

/// Attaches to a running process: tracks it and its live descendants in the kernel (their future
/// children follow there), and watches its pidfd. It is not our child: its exit status comes from
/// the kernel's exit record.
struct ProcessAttachLaunch: RunLaunch {
    var processID: Int32
    var kernel: any KernelEventSource

    func launch() throws(ObserverError) -> LaunchedRun {
        let pid = processID
        let pidfd = try Spawner.pidfd(for: pid, failure: Self.attaching(pid))
        do {
            // The process (even if it is exiting) and its live descendants, found the way the
            // sampler finds its tree: without the observer, when it is one of them.
            let tree = ProcFS.stat(pid).map { ProcessTree().members(root: pid, rootStartTime: $0.startTime) } ?? []
            for member in [pid] + tree.dropFirst().map(\.processID) {
                try kernel.track(processID: member)
                kernel.startCountingSyscalls(processID: member)
            }
        } catch {
            try? pidfd.close()
            throw error
        }
        let startNs = Clock.monotonicNs()
        // Tracked now; if it had already exited, no exit event can come.
        if Syscall.waitReadable(pidfd, timeoutMs: 0) {
            try? pidfd.close()
            throw Self.notFound(pid)
        }
        let started = ObserverEvent(
            timestampNs: startNs, category: .lifecycle, processID: pid,
            parentProcessID: ProcFS.stat(pid)?.parentProcessID,
            kind: .started(Started(argv: ProcFS.commandLine(pid), path: ProcFS.executable(pid))))
        return LaunchedRun(root: .process(processID: pid, pidfd: pidfd), startNs: startNs, started: [started])
    }

    static func attaching(_ pid: Int32) -> String { "attaching to process \(pid)" }

    static func notFound(_ pid: Int32) -> ObserverError {
        ObserverError(
            .processNotFound, failure: attaching(pid), reason: "it does not exist or has already exited",
            errno: .noSuchProcess, remedy: "Check the process id")
    }
}

extension RunSession {
    /// Attaches to the running process `pid` (`AttachedProcess.attach()`). Needs the eBPF
    /// backend even for lifecycle events: it reports the exit of a process that is not our child.
    static func attach(processID pid: Int32, subscribers: [SubscriberBuffer], logger: Logger) throws(ObserverError)
        -> RunSession
    {
        let failure = ProcessAttachLaunch.attaching(pid)
        guard pid > 0, Syscall.processExists(pid) else { throw ProcessAttachLaunch.notFound(pid) }
        guard pid != ProcessTree.observer else {
            throw ObserverError(
                .invalidConfiguration, failure: failure, reason: "it is this process, the observer itself",
                remedy: "Attach to another process; the observer always leaves itself out")
        }
        let hub = EventHub(subscribers: subscribers)
        let resources = RunResources(hub: hub, failure: failure)
        let launched = try resources.abandoning { () throws(ObserverError) -> LaunchedRun in
            let kernel = try openAttachedKernel(hub: hub, resources: resources, logger: logger)
            try resources.serveCategories()
            return try ProcessAttachLaunch(processID: pid, kernel: kernel).launch()
        }
        resources.handOver()
        let session = RunSession(launched: launched, resources: resources, scope: nil)
        session.begin()
        return session
    }

    /// The kernel source an attached run needs (tracking and exit records at least), owned by
    /// `resources`; throws `.backendUnavailable` when eBPF cannot serve here.
    static func openAttachedKernel(
        hub: EventHub, resources: RunResources, observedCgroupID: UInt64? = nil, logger: Logger,
        serves: String = "reports the exit of a process that is not our child"
    ) throws(ObserverError) -> any KernelEventSource {
        guard
            let kernel = try KernelBackend.open(
                categories: hub.categories, resolvingPaths: hub.resolvesPaths, logger: logger,
                trackingOnly: true, observedCgroupID: observedCgroupID, summarizingSyscalls: hub.summarizesSyscalls,
                filter: hub.kernelFilter, countingBytes: hub.countsIOBytes)
        else {
            let capability = ObserverCapabilities.negotiate()[.process]
            throw ObserverError(
                .backendUnavailable, failure: resources.failure,
                reason: "the eBPF backend, which \(serves), is unavailable: \(capability.reason)",
                remedy: capability.remedy)
        }
        resources.own(kernel: kernel)
        return kernel
    }
}
