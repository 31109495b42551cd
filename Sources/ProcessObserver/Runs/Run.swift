import CSpawn
import Logging
import SystemPackage

/// One spawned process and its tree, from the start to the closing profile.
///
/// The shared `Reaper` thread notices the root's exit through its pidfd (so no process-wide
/// SIGCHLD handler is needed and nobody else's children are touched) and enforces the deadlines;
/// the run reaps the root with `wait4(2)` for its rusage. With a cgroup (`scope`), the run then
/// lasts until the cgroup is empty (`RunEnd.lastProcessExits`), or ends the rest of the tree
/// (`.rootExits`); the reaper watches `cgroup.events` for that. Then the run stops the sampler
/// and the kernel source, publishes `exited` and ends the stream with `profile`.
///
/// Every signal goes to the `scope`: the whole cgroup, or the root's process group without one.
final class Run: @unchecked Sendable {
    let pid: Int32
    let pidfd: FileDescriptor
    let scope: ProcessScope
    let end: RunEnd
    let limits: ResourceLimits
    private let hub: EventHub?
    private let kernel: (any KernelEventSource)?
    private let sampler: Sampler?
    private let captures: (OutputCapture?, OutputCapture?)
    private let startNs: UInt64
    private let graceNs: UInt64

    private let lock = ConditionLock()
    private var reaped = false
    private var result: ProcessResult?
    private var waiters: [CheckedContinuation<ProcessResult, Never>] = []
    private var deadline: UInt64?
    private var killAt: UInt64?
    private var timedOut = false
    private var terminating = false
    /// The tree has been ended (SIGKILL to the scope): nothing more to escalate to.
    private var killed = false
    /// The root's wait status and usage once reaped, while the tree is still running.
    private var root: (status: Int32, usage: ResourceUsage, endNs: UInt64)?
    private var closed = false

    init(
        pid: Int32, pidfd: FileDescriptor, scope: ProcessScope, end: RunEnd, limits: ResourceLimits, hub: EventHub?,
        kernel: (any KernelEventSource)?, sampler: Sampler?, captures: (OutputCapture?, OutputCapture?),
        startNs: UInt64, timeout: Duration?, grace: Duration
    ) {
        self.pid = pid
        self.pidfd = pidfd
        self.scope = scope
        self.end = end
        self.limits = limits
        self.hub = hub
        self.kernel = kernel
        self.sampler = sampler
        self.captures = captures
        self.startNs = startNs
        self.deadline = timeout.map { startNs + nanoseconds($0) }
        self.graceNs = nanoseconds(grace)
    }

    // MARK: - control

    /// Whether the scope may still be signalled: until the root is reaped for a process group
    /// (its id could then belong to someone else), until the run closes for a cgroup (which only
    /// ever holds this run's processes).
    private var canSignal: Bool { scope.cgroup != nil ? !closed : !reaped }

    /// Sends `signal` to every process of the run.
    func signal(_ signal: Int32) {
        lock.withLock { if canSignal { scope.signal(signal) } }
    }

    /// Forwards `signal` (SIGINT, SIGTERM from the user) to every process of the run and ends the
    /// tree with SIGKILL after the grace period, or at once on the second interrupt: a run that
    /// ignores signals does not keep its caller waiting.
    func interrupt(_ signal: Int32) {
        let poke: Bool = lock.withLock {
            guard canSignal else { return false }
            if terminating {
                killed = true
                killAt = nil
                scope.kill()
                return false
            }
            terminating = true
            scope.signal(signal)
            killAt = Clock.monotonicNs() + graceNs
            return true
        }
        if poke { Reaper.shared.poke() }
    }

    /// SIGTERM to every process of the run now, SIGKILL after the grace period.
    func terminate() { interrupt(SignalNumber.terminate) }

    /// Kill-on-drop: the handle went away without `wait()`. The reaper still reaps it.
    func killIfRunning() {
        lock.withLock {
            if canSignal {
                killed = true
                scope.kill()
            }
        }
    }

    var hasDeadline: Bool { lock.withLock { deadline != nil || killAt != nil } }

    /// Called by the reaper thread: signals what is due and returns the next deadline, if any.
    func enforceDeadlines(now: UInt64) -> UInt64? {
        lock.withLock {
            guard canSignal else { return nil }
            if let d = deadline, now >= d {
                deadline = nil
                timedOut = true
                if !terminating {
                    terminating = true
                    scope.signal(SignalNumber.terminate)
                    killAt = now + graceNs
                }
            }
            if let k = killAt, now >= k {
                killAt = nil
                killed = true
                scope.kill()
            }
            return [deadline, killAt].compactMap { $0 }.min()
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

    /// False once the root has been reaped.
    var isRunning: Bool { lock.withLock { !reaped } }

    /// The processes of the run still alive after the root was reaped (cgroup only), while the run
    /// waits for them.
    var remainingProcesses: [Int32] { lock.withLock { reaped && !closed ? scope.processes : [] } }

    // MARK: - the end of the run

    /// Called on the reaper thread once the pidfd says the root exited. Returns true when the run
    /// must now wait for the rest of its tree (the reaper then watches `cgroup.events`).
    func reapRoot() -> Bool {
        let (status, usage) = Spawner.wait4Blocking(pid)
        let endNs = Clock.monotonicNs()
        try? pidfd.close()
        let waitForTree: Bool = lock.withLock {
            reaped = true
            root = (status, usage, endNs)
            guard let cgroup = scope.cgroup, cgroup.isPopulated else { return false }
            if end == .rootExits && !terminating {
                terminating = true
                scope.signal(SignalNumber.terminate)
                killAt = endNs + graceNs
            }
            return true
        }
        if !waitForTree { finish() }
        return waitForTree
    }

    /// Called on the reaper thread when `cgroup.events` changed; true when the tree is gone and
    /// the run has been closed.
    func treeChanged() -> Bool {
        guard let cgroup = scope.cgroup, !cgroup.isPopulated else { return false }
        finish()
        return true
    }

    /// Closing work that can take a while (joining the sampler, draining and detaching eBPF)
    /// moves to its own thread so other runs' exits are not held up.
    private func finish() {
        // A cgroup's directories are removed on their own thread, so reading its counters here
        // is quick enough for the reaper's thread.
        if sampler == nil && kernel == nil && captures.0 == nil && captures.1 == nil {
            close()
        } else {
            OSThread.detached(name: "obs-run-close") { [self] in close() }
        }
    }

    private func close() {
        let (status, usage, endNs, timedOut, killedByUs) = lock.withLock {
            (root!.status, root!.usage, root!.endNs, self.timedOut, killed)
        }
        let exit = ExitStatus(waitStatus: status)
        let sampleCount = sampler?.stop() ?? 0
        let stats = kernel?.stop() ?? KernelSourceStats()
        let treeEndNs = Clock.monotonicNs()
        let limitEvents = scope.cgroup?.limitEvents() ?? LimitEvents()
        for reached in Self.reached(limitEvents, limits) {
            hub?.publish(
                ObserverEvent(timestampNs: treeEndNs, category: .lifecycle, processID: pid, kind: .limit(reached)))
        }
        let killedByOOM =
            limitEvents.oomKills > 0 && !killedByUs && exit == .signaled(signal: SignalNumber.kill, coreDumped: false)
        hub?.publish(ObserverEvent(timestampNs: endNs, category: .lifecycle, processID: pid, kind: .exited(exit)))
        let out = captures.0?.finish()
        let err = captures.1?.finish()
        let tree = scope.cgroup?.usage()
        lock.withLock { closed = true }
        // Removed in the background (the result need not wait), but handed over before the result
        // is out, so that `ObserverCleanup.waitForReleases()` after `wait()` covers it.
        if let cgroup = scope.cgroup, case .success(let owner) = CgroupOwner.shared { owner.finished(cgroup) }

        func profile(lost: UInt64) -> RunProfile {
            var profile = RunProfile(
                status: exit, timedOut: timedOut, wallNanoseconds: endNs - startNs,
                userCPUNanoseconds: usage.userCPUNanoseconds, systemCPUNanoseconds: usage.systemCPUNanoseconds,
                peakRSSBytes: usage.peakRSSBytes, minorFaults: usage.minorFaults, majorFaults: usage.majorFaults,
                voluntaryContextSwitches: usage.voluntaryContextSwitches,
                involuntaryContextSwitches: usage.involuntaryContextSwitches, sampleCount: sampleCount,
                lostSubscriber: lost, lostKernel: stats.lost, containment: scope.backend,
                treeWallNanoseconds: treeEndNs - startNs, tree: tree)
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
            processID: pid, status: exit, profile: profile(lost: totalLost), standardOutput: out?.bytes,
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

extension Run {
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
