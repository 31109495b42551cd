import SystemPackage

/// One observed run, from its launch to its closing profile, however it was launched: a spawned
/// child (`NativeProcess.spawn()`), a running process (`AttachedProcess`) or an existing cgroup
/// (`AttachedCgroup`). The launch (`RunLaunch`) does what differs; everything after it is here,
/// once: the `started` events, the sampler, kernel delivery, the deadlines and signals, the end
/// of the run, and the one closing routine (limits, `exited`, `profile`, the result).
///
/// The shared `Reaper` thread watches every session's descriptors: the root's pidfd (so no
/// process-wide SIGCHLD handler is needed and nobody else's children are touched), then, while
/// the tree runs on, its cgroup's `cgroup.events`; for an attached cgroup, its `cgroup.events`
/// from the start. A child root is reaped with `wait4(2)` for its rusage; an attached process's
/// status comes from the kernel's exit record.
///
/// Every signal goes to the `scope`: the whole cgroup, or the root's process group without one.
/// An attached run has no scope: it is never signalled, and ending it (`stop()`) only stops
/// observing.
final class RunSession: @unchecked Sendable {
    let root: RunRoot
    let scope: ProcessScope?
    let limits: ResourceLimits
    private let hub: EventHub?
    private let kernel: (any KernelEventSource)?
    private let sampler: Sampler?
    private let captures: (OutputCapture?, OutputCapture?)
    private let startNs: UInt64
    /// The launch's `started` events, published by `begin()`.
    private let started: [ObserverEvent]
    /// Ready when a limit counter of the run's cgroup changes (only for the limits it has).
    let limitWatches: [LimitWatch]

    private let lock = ConditionLock()
    /// The run's phase and how far ending its tree has got. With the lock held.
    private var machine: RunStateMachine
    /// When to read the limit counters again without a descriptor saying so. With the lock held.
    private var limitSchedule: LimitSchedule
    /// The limit counters already published as `limit` events. With the lock held.
    private var reportedLimits = LimitEvents()
    /// The root's wait status and usage once it exited (defaults when the run closes without).
    private var rootEnd: (status: Int32, usage: ResourceUsage, endNs: UInt64)?
    /// The root's end as the kernel's exit record says it (with the process category): an
    /// attached process's status, and whether the OOM killer chose the root.
    private var kernelEnd: ProcessEnd?
    private var result: ProcessResult?
    private var waiters: [CheckedContinuation<ProcessResult, Never>] = []

    init(
        launched: LaunchedRun, resources: RunResources, scope: ProcessScope?, end: RunEnd = .lastProcessExits,
        limits: ResourceLimits = .none, timeout: Duration? = nil, grace: Duration = .seconds(2)
    ) {
        self.root = launched.root
        self.scope = scope
        self.limits = limits
        self.hub = resources.hub
        self.kernel = resources.kernel
        self.captures = resources.captures
        self.startNs = launched.startNs
        // The first events say which categories the run observes (its subscribers', served).
        let observed = resources.servedCategories.intersection(resources.hub?.categories ?? [])
        self.started = launched.started.map { event in
            guard case .started(var started) = event.kind else { return event }
            var event = event
            started.observedCategories = observed
            event.kind = .started(started)
            return event
        }
        machine = RunStateMachine(
            window: scope.signalWindow, graceNs: nanoseconds(grace), endsWithRoot: end == .rootExits,
            deadline: timeout.map { launched.startNs + nanoseconds($0) })
        limitWatches = scope?.cgroup.map { LimitWatch.open(for: $0, limits: limits) } ?? []
        limitSchedule = LimitSchedule(
            polling: scope?.cgroup.map { LimitWatch.needsPolling($0, limits: limits) } ?? false,
            from: launched.startNs)
        if let hub, let interval = hub.sampleInterval {
            sampler = Sampler(
                rootProcessID: launched.root.processID, interval: interval, top: hub.topProcesses, hub: hub,
                cgroup: launched.root.reportedCgroup(scope: scope))
        } else {
            sampler = nil
        }
    }

    /// Publishes the launch's `started` events, starts delivery, the captures and the sampler,
    /// and hands the session to the reaper. Call once, right after `init`.
    func begin() {
        if let kernel, let hub {
            let onRootExit: (@Sendable (ProcessEnd) -> Void)? =
                if root.hasRootProcess { { [weak self] end in self?.kernelReportedExit(end) } } else { nil }
            kernel.start(hub: hub, rootProcessID: root.processID, onRootExit: onRootExit)
        }
        for event in started { hub?.publish(event) }
        captures.0?.start()
        captures.1?.start()
        sampler?.start()
        Reaper.shared.watch(self)
        // A limit the run hit before its watches were in the reaper's set (a fork refused in the
        // child's first millisecond) gave them no change to signal.
        if !limitWatches.isEmpty || limitSchedule.next != nil { publishLimitChanges(at: Clock.monotonicNs()) }
    }

    var processID: Int32 { root.processID }

    // MARK: - control

    /// Carries out what a transition returned, with the lock held (so that nothing is signalled
    /// once the run has closed and its cgroup may serve another run).
    private func perform(_ actions: [RunStateMachine.Action]) {
        guard let scope else { return }
        for action in actions {
            switch action {
            case .signal(let signal): scope.signal(signal)
            case .kill: scope.kill()
            }
        }
    }

    /// Sends `signal` to every process of the run.
    func signal(_ signal: Int32) {
        lock.withLock { if machine.canSignal { scope?.signal(signal) } }
    }

    /// Forwards `signal` (SIGINT, SIGTERM from the user) to every process of the run and ends the
    /// tree with SIGKILL after the grace period, or at once on the second interrupt: a run that
    /// ignores signals does not keep its caller waiting.
    func interrupt(_ signal: Int32) {
        // A grace period to count: the reaper must wake for it.
        let wake: Bool = lock.withLock {
            let actions = machine.interrupt(signal, now: Clock.monotonicNs())
            perform(actions)
            return actions.contains { $0 != .kill }
        }
        if wake { Reaper.shared.poke() }
    }

    /// SIGTERM to every process of the run now, SIGKILL after the grace period.
    func terminate() { interrupt(SignalNumber.terminate) }

    /// Kill-on-drop: the handle went away without `wait()`. The reaper still reaps it.
    func killIfRunning() {
        lock.withLock { perform(machine.dropped()) }
    }

    /// Ends observing now, without signalling anything (attached runs). `wait()` then returns
    /// with `AttachedRun.unknownStatus` unless the exit had already been seen.
    func stop() {
        lock.withLock { machine.requestStop() }
        Reaper.shared.poke()
    }

    /// Whether a timeout, a SIGKILL after the grace period or a limit poll is pending.
    var hasDeadline: Bool { lock.withLock { machine.nextDeadline != nil || limitSchedule.next != nil } }

    /// Called by the reaper thread: signals what is due, and returns the next deadline and
    /// whether `stop()` asks for the session to close now.
    func tick(now: UInt64) -> (next: UInt64?, stop: Bool) {
        if lock.withLock({ limitSchedule.due(at: now) }) { publishLimitChanges(at: now) }
        return lock.withLock {
            perform(machine.tick(now: now))
            let next = [machine.nextDeadline, limitSchedule.next].compactMap { $0 }.min()
            return (next, machine.stopDue)
        }
    }

    /// Publishes a `limit` event for each resource whose counter grew since the last one (its
    /// `count` is the growth), at `ns`.
    private func publishLimitChanges(at ns: UInt64) {
        guard let cgroup = scope?.cgroup, !limits.isUnlimited else { return }
        let grown: LimitEvents = lock.withLock {
            let now = cgroup.limitEvents()
            let grown = LimitEvents(
                oomKills: max(0, now.oomKills - reportedLimits.oomKills),
                processLimitHits: max(0, now.processLimitHits - reportedLimits.processLimitHits))
            reportedLimits.oomKills = max(now.oomKills, reportedLimits.oomKills)
            reportedLimits.processLimitHits = max(now.processLimitHits, reportedLimits.processLimitHits)
            return grown
        }
        for reached in Self.reached(grown, limits) {
            hub?.publish(
                ObserverEvent(timestampNs: ns, category: .lifecycle, processID: root.processID, kind: .limit(reached)))
        }
    }

    func wait() -> ProcessResult {
        lock.lock()
        defer { lock.unlock() }
        while result == nil { lock.wait() }
        return result!
    }

    func wait() async -> ProcessResult {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(returning: result)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// False once the root has exited (for an attached cgroup: once the run is closed).
    var isRunning: Bool {
        lock.withLock { root.hasRootProcess ? !machine.rootHasExited : machine.phase != .closed }
    }

    /// The processes of the run still alive after the root was reaped (cgroup only), while the run
    /// waits for them.
    var remainingProcesses: [Int32] {
        lock.withLock { machine.phase == .rootExited || machine.phase == .closing ? scope?.processes ?? [] : [] }
    }

    // MARK: - the end of the run (on the reaper thread)

    /// What the reaper does next with a descriptor of this session.
    enum Next {
        /// Keep watching it.
        case keep
        /// Watch this one instead (the tree's `cgroup.events`, once the root is reaped).
        case watch(FileDescriptor)
        /// Stop watching, then `finish()` the session.
        case finish
    }

    /// Called by the reaper when `fd` (one this session gave it) is ready.
    func ready(_ fd: FileDescriptor) -> Next {
        switch root {
        case .child(let pid, let pidfd) where fd == pidfd:
            return reapChild(pid, pidfd).map { .watch($0) } ?? .finish
        case .process(_, let pidfd) where fd == pidfd:
            lock.withLock {
                let now = Clock.monotonicNs()
                perform(machine.rootExited(at: now, treeRunsOn: false))
                rootEnd = (0, ResourceUsage(), now)
            }
            return .finish
        default:
            if let watch = limitWatches.first(where: { $0.fd == fd }) {
                watch.rearm()
                let now = Clock.monotonicNs()
                publishLimitChanges(at: now)
                if watch.kind == .oomEventFD { lock.withLock { limitSchedule.oomNotified(at: now) } }
                return .keep
            }
            return treeIsGone() ? .finish : .keep
        }
    }

    /// Reaps the child root; returns its cgroup's `cgroup.events` when the run must now wait for
    /// the rest of its tree, nil when the run is over.
    private func reapChild(_ pid: Int32, _ pidfd: FileDescriptor) -> FileDescriptor? {
        let (status, usage) = Spawner.wait4Blocking(pid)
        let endNs = Clock.monotonicNs()
        try? pidfd.close()
        // The group's id is no longer the run's to kill (the watchdog forgets it).
        if case .processGroup(let pgid)? = scope { ObserverWatchdog.forProcessGroups?.forget(processGroup: pgid) }
        let waitForTree: Bool = lock.withLock {
            rootEnd = (status, usage, endNs)
            let treeRunsOn = scope?.cgroup?.isPopulated ?? false
            perform(machine.rootExited(at: endNs, treeRunsOn: treeRunsOn))
            return treeRunsOn
        }
        return waitForTree ? scope?.cgroup?.events : nil
    }

    /// `cgroup.events` changed (or was just added): true when the tree is gone.
    private func treeIsGone() -> Bool {
        guard let cgroup = root.reportedCgroup(scope: scope), !cgroup.isPopulated else { return false }
        if !root.hasRootProcess { lock.withLock { rootEnd = (0, ResourceUsage(), Clock.monotonicNs()) } }
        return true
    }

    /// Closing work that can take a while (joining the sampler, draining and detaching eBPF)
    /// moves to its own thread so other runs' exits are not held up. Once only.
    func finish() {
        let first = lock.withLock {
            if rootEnd == nil { rootEnd = (0, ResourceUsage(), Clock.monotonicNs()) }
            return machine.beginClosing()
        }
        guard first else { return }
        // A cgroup's directories are removed on their own thread, so reading its counters here
        // is quick enough for the reaper's thread.
        if sampler == nil && kernel == nil && captures.0 == nil && captures.1 == nil {
            close()
        } else {
            OSThread.detached(name: "obs-run-close") { [self] in close() }
        }
    }

    /// Runs on the kernel consumer thread: only record, never stop the source from here.
    private func kernelReportedExit(_ end: ProcessEnd) {
        lock.withLock { if kernelEnd == nil { kernelEnd = end } }
    }

    /// The one closing routine: stops the sampler and the kernel source (its final drain
    /// delivers what is still queued), publishes the limits the kernel enforced and the root's
    /// `exited`, ends every stream with `profile`, and hands out the result.
    private func close() {
        let (end, timedOut, killedByUs) = lock.withLock { (rootEnd!, machine.timedOut, machine.killedByUs) }
        let sampleCount = sampler?.stop() ?? 0
        let stats = kernel?.stop() ?? KernelSourceStats()
        let treeEndNs = Clock.monotonicNs()
        let pid = root.processID
        let owned = scope?.cgroup
        // What the watches have not said yet (a change seen only now, or no watch here).
        publishLimitChanges(at: treeEndNs)
        for watch in limitWatches { try? watch.fd.close() }
        let limitEvents = owned?.limitEvents() ?? LimitEvents()
        let kernelEnd = lock.withLock { self.kernelEnd }
        let status = root.exitStatus(waitStatus: end.status, kernelEnd: kernelEnd)
        if case .process(_, let pidfd) = root { try? pidfd.close() }
        // The kernel's mark when the process category saw the root's exit; else a SIGKILL we did
        // not send while the run's cgroup counted an OOM kill.
        let killedByOOM =
            kernelEnd?.killedByOOM
            ?? (limitEvents.oomKills > 0 && !killedByUs
                && status == .signaled(signal: SignalNumber.kill, coreDumped: false))
        // The cgroup's last reads and its hand-over come before `exited`, so that `exited`,
        // `profile` and the result follow each other at once: a subscriber woken by `exited` then
        // finds `profile` already there instead of sleeping again (a wake-up and a context switch
        // more per run, measured in the spawn benchmark).
        let tree: TreeUsage?
        if let observed = root.observedCgroup {
            // What the tree used while observed, not since the cgroup was made.
            tree = observed.usage()
            observed.release()
        } else {
            tree = owned?.usage()
        }
        // Closed first: nothing of this session signals the cgroup once another run may have it.
        lock.withLock { machine.closed() }
        // Removed in the background or kept for the next run (the result need not wait), but
        // handed over before the result is out, so that `ObserverCleanup.waitForReleases()` after
        // `wait()` covers it.
        if let owned, case .success(let owner) = CgroupOwner.shared { owner.finished(owned) }
        // An attached cgroup has no root to have exited: its processes' exits are `exit` events.
        if root.hasRootProcess {
            hub?.publish(
                ObserverEvent(
                    timestampNs: end.endNs, category: .lifecycle, processID: pid,
                    kind: .exited(ProcessEnd(status, killedByOOM: killedByOOM))))
        }
        let out = captures.0?.finish()
        let err = captures.1?.finish()

        let usage = end.usage
        let containment = scope?.backend
        let treeWall: UInt64? = root.measuresTreeWall ? treeEndNs - startNs : nil
        func profile(lost: UInt64) -> RunProfile {
            var profile = RunProfile(
                status: status, timedOut: timedOut, wallNanoseconds: end.endNs - startNs,
                userCPUNanoseconds: usage.userCPUNanoseconds, systemCPUNanoseconds: usage.systemCPUNanoseconds,
                peakRSSBytes: usage.peakRSSBytes, minorFaults: usage.minorFaults, majorFaults: usage.majorFaults,
                voluntaryContextSwitches: usage.voluntaryContextSwitches,
                involuntaryContextSwitches: usage.involuntaryContextSwitches, sampleCount: sampleCount,
                lostSubscriber: lost, lostKernel: stats.lost, containment: containment,
                treeWallNanoseconds: treeWall, tree: tree)
            profile.killedByOOM = killedByOOM
            return profile
        }
        var totalLost: UInt64 = 0
        hub?.finish(
            profile: { lost in
                totalLost += lost
                return profile(lost: lost)
            }, processID: pid)

        let result = ProcessResult(
            processID: pid, status: status, profile: profile(lost: totalLost), standardOutput: out?.bytes,
            standardError: err?.bytes, standardOutputTruncated: out?.truncated ?? false,
            standardErrorTruncated: err?.truncated ?? false, leftoverTrackedProcesses: stats.leftoverTracked)
        lock.lock()
        self.result = result
        let waiting = waiters
        waiters = []
        lock.broadcast()
        lock.unlock()
        for w in waiting { w.resume(returning: result) }
    }
}

extension RunSession {
    /// One `limit` event per resource the kernel enforced.
    static func reached(_ events: LimitEvents, _ limits: ResourceLimits) -> [LimitReached] {
        var out: [LimitReached] = []
        if events.oomKills > 0 {
            out.append(LimitReached(resource: .memory, count: events.oomKills, limit: limits.memoryBytes ?? 0))
        }
        if events.processLimitHits > 0 {
            out.append(
                LimitReached(resource: .pids, count: events.processLimitHits, limit: UInt64(limits.processCount ?? 0)))
        }
        return out
    }
}

func nanoseconds(_ d: Duration) -> UInt64 {
    let (s, atto) = d.components
    return UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, atto) / 1_000_000_000)
}
