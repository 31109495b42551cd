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
    private let lock = ConditionLock()
    private var pending: [SubscriberBuffer] = []

    public init(processID: Int32, logger: Logger = Logger(label: "ProcessObserver")) {
        self.processID = processID
        self.logger = logger
    }

    /// Adds a subscriber to the next `attach()`.
    public func withObserver(_ config: ObserverConfig = .lifecycle()) -> ObserverSubscriber {
        let subscriber = ObserverSubscriber(config: config)
        lock.withLock { pending.append(subscriber.buffer) }
        return subscriber
    }

    /// Starts observing. Throws `.processNotFound` when the process does not exist (or has already
    /// exited), `.backendUnavailable` when eBPF cannot load here.
    public func attach() throws(ObserverError) -> AttachedRun {
        let subscribers = lock.withLock {
            defer { pending = [] }
            return pending
        }
        do {
            return try AttachedRun.start(processID: processID, subscribers: subscribers, logger: logger)
        } catch {
            // Nothing is observed: end every stream (empty) so no reader waits forever.
            for subscriber in subscribers { subscriber.finish(with: nil) }
            throw error
        }
    }
}

/// An attached observation; ends when the process exits or `stop()` is called.
public final class AttachedRun: @unchecked Sendable {
    public let processID: Int32
    /// The process's name (`/proc/<pid>/comm`) when observing began; nil if it could not be read.
    public let command: ByteString?
    private let hub: EventHub
    private let kernel: any KernelEventSource
    private let pidfd: FileDescriptor
    private let wake: (read: FileDescriptor, write: FileDescriptor)
    private let startNs: UInt64
    /// Set in `start` before the watching thread exists; stopped by it.
    private var sampler: Sampler?
    private let lock = ConditionLock()
    private var kernelStatus: ExitStatus?
    private var stopRequested = false
    private var result: ProcessResult?

    /// The status reported when the exit could not be learnt (the process exited between the
    /// attach and the tracking, or `stop()` ended the observation first): exit code -1, which no
    /// real exit can have.
    public static let unknownStatus = ExitStatus.exited(code: -1)

    private init(
        processID: Int32, hub: EventHub, kernel: any KernelEventSource, pidfd: FileDescriptor,
        wake: (read: FileDescriptor, write: FileDescriptor), startNs: UInt64
    ) {
        self.processID = processID
        self.command = ProcFS.comm(processID)
        self.hub = hub
        self.kernel = kernel
        self.pidfd = pidfd
        self.wake = wake
        self.startNs = startNs
    }

    static func start(processID pid: Int32, subscribers: [SubscriberBuffer], logger: Logger) throws(ObserverError)
        -> AttachedRun
    {
        guard pid > 0, Syscall.processExists(pid) else { throw notFound(pid) }
        guard pid != ProcessTree.observer else {
            throw ObserverError(
                .invalidConfiguration, failure: attaching(pid), reason: "it is this process, the observer itself",
                remedy: "Attach to another process; the observer always leaves itself out")
        }
        let pidfd = try Spawner.pidfd(for: pid, failure: attaching(pid))
        let hub = EventHub(subscribers: subscribers)
        let kernel: any KernelEventSource
        do throws(ObserverError) {
            guard
                let k = try KernelBackend.open(
                    categories: hub.categories, resolvingPaths: hub.resolvesPaths, logger: logger, trackingOnly: true)
            else {
                try? pidfd.close()
                let capability = ObserverCapabilities.negotiate()[.process]
                throw ObserverError(
                    .backendUnavailable, failure: attaching(pid),
                    reason: "the eBPF backend, which reports the exit of a process that is not our child, is "
                        + "unavailable: \(capability.reason)",
                    remedy: capability.remedy)
            }
            kernel = k
        } catch {
            try? pidfd.close()
            hub.finish(profile: { _ in nil }, processID: pid)
            throw error
        }
        let wake: (read: FileDescriptor, write: FileDescriptor)
        do throws(ObserverError) {
            wake = try Spawner.pipe(for: "waking the watching thread", failure: attaching(pid))
            // The process (even if it is exiting) and its live descendants, found the way the sampler
            // finds its tree: without the observer, when it is one of them.
            let tree = ProcFS.stat(pid).map { ProcessTree().members(root: pid, rootStartTime: $0.startTime) } ?? []
            for member in [pid] + tree.dropFirst().map(\.processID) { try kernel.track(processID: member) }
        } catch {
            _ = kernel.stop()
            try? pidfd.close()
            hub.finish(profile: { _ in nil }, processID: pid)
            throw error
        }
        let startNs = Clock.monotonicNs()
        let run = AttachedRun(processID: pid, hub: hub, kernel: kernel, pidfd: pidfd, wake: wake, startNs: startNs)
        kernel.start(hub: hub, rootProcessID: pid, onRootExit: { [weak run] status in run?.kernelReportedExit(status) })
        // Tracked now; if it had already exited, no exit event can come.
        if Syscall.waitReadable(pidfd, timeoutMs: 0) {
            _ = kernel.stop()
            try? pidfd.close()
            try? wake.read.close()
            try? wake.write.close()
            hub.finish(profile: { _ in nil }, processID: pid)
            throw notFound(pid)
        }
        hub.publish(
            ObserverEvent(
                timestampNs: startNs, category: .lifecycle, processID: pid,
                parentProcessID: ProcFS.stat(pid)?.parentProcessID,
                kind: .started(Started(argv: ProcFS.commandLine(pid), path: ProcFS.executable(pid)))))
        if let interval = hub.sampleInterval {
            run.sampler = Sampler(rootProcessID: pid, interval: interval, top: hub.topProcesses, hub: hub)
            run.sampler?.start()
        }
        OSThread.detached(name: "obs-attach") { run.watch() }
        return run
    }

    private static func attaching(_ pid: Int32) -> String { "attaching to process \(pid)" }

    private static func notFound(_ pid: Int32) -> ObserverError {
        ObserverError(
            .processNotFound, failure: attaching(pid), reason: "it does not exist or has already exited",
            errno: .noSuchProcess, remedy: "Check the process id")
    }

    /// Runs on the consumer thread: only record and poke, never stop the source from here.
    private func kernelReportedExit(_ status: ExitStatus) {
        lock.withLock { if kernelStatus == nil { kernelStatus = status } }
        poke()
    }

    private func poke() { Syscall.poke(wake.write) }

    /// Ends the observation now; the process keeps running. `wait()` then returns with
    /// `unknownStatus` unless the exit had already been seen.
    public func stop() {
        lock.withLock { stopRequested = true }
        poke()
    }

    public func wait() -> ProcessResult {
        lock.lock()
        defer { lock.unlock() }
        while result == nil { lock.wait() }
        return result!
    }

    private func watch() {
        while true {
            if lock.withLock({ kernelStatus != nil || stopRequested }) { break }
            guard let ready = try? Syscall.waitReadable([pidfd, wake.read]) else { break }
            if ready.contains(pidfd) { break }
            if ready.contains(wake.read) { Syscall.drainWakeups(wake.read) }
        }
        let sampleCount = sampler?.stop() ?? 0
        // The final consume in stop() delivers an exit record still queued in the ring.
        let stats = kernel.stop()
        let endNs = Clock.monotonicNs()
        let status = lock.withLock { kernelStatus } ?? Self.unknownStatus
        hub.publish(
            ObserverEvent(timestampNs: endNs, category: .lifecycle, processID: processID, kind: .exited(status)))
        func profile(lost: UInt64) -> RunProfile {
            RunProfile(
                status: status, wallNanoseconds: endNs - startNs, sampleCount: sampleCount, lostSubscriber: lost,
                lostKernel: stats.lost)
        }
        var totalLost: UInt64 = 0
        hub.finish(
            profile: { lost in
                totalLost += lost
                return profile(lost: lost)
            }, processID: processID)
        try? pidfd.close()
        try? wake.read.close()
        try? wake.write.close()
        let result = ProcessResult(
            processID: processID, status: status, profile: profile(lost: totalLost), standardOutput: nil,
            standardError: nil, standardOutputTruncated: false, standardErrorTruncated: false,
            leftoverTrackedProcesses: stats.leftoverTracked)
        lock.lock()
        self.result = result
        lock.broadcast()
        lock.unlock()
    }
}
