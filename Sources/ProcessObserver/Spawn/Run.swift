import CSpawn
import Logging
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One spawned process, from its start to the closing profile.
///
/// The shared `Reaper` thread notices the exit through the child's pidfd (so no process-wide
/// SIGCHLD handler is needed and nobody else's children are touched) and enforces the timeout;
/// the run then reaps with `wait4(2)` for the rusage, stops the sampler and the kernel source,
/// publishes `exited` and ends the stream with `profile`.
final class Run: @unchecked Sendable {
    let pid: Int32
    let pidfd: FileDescriptor
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

    private init(
        pid: Int32, pidfd: FileDescriptor, hub: EventHub?, kernel: (any KernelEventSource)?, sampler: Sampler?,
        captures: (OutputCapture?, OutputCapture?), startNs: UInt64, timeout: Duration?, grace: Duration
    ) {
        self.pid = pid
        self.pidfd = pidfd
        self.hub = hub
        self.kernel = kernel
        self.sampler = sampler
        self.captures = captures
        self.startNs = startNs
        self.deadline = timeout.map { startNs + nanoseconds($0) }
        self.graceNs = nanoseconds(grace)
    }

    static func start(process: NativeProcess, subscribers: [SubscriberBuffer]) throws(ObserverError) -> Run {
        let path = try Spawner.resolve(process.executable, environment: process.environment)
        let argv = [ByteString(process.executable.description)] + process.arguments
        let hub = subscribers.isEmpty ? nil : EventHub(subscribers: subscribers)

        // Descriptors for the child's stdio; ours are closed once the child has its copies.
        var toClose: [FileDescriptor] = []
        defer { for fd in toClose { try? fd.close() } }
        var captureOut: OutputCapture?
        var captureErr: OutputCapture?
        func devNull() throws(ObserverError) -> Int32 {
            do {
                let fd = try FileDescriptor.open("/dev/null", .readWrite, options: [.closeOnExec])
                toClose.append(fd)
                return fd.rawValue
            } catch {
                throw ObserverError(.spawnFailed, "Opening /dev/null failed: \(error).", underlying: error as? Errno)
            }
        }
        func sink(_ s: OutputSink, _ capture: inout OutputCapture?) throws(ObserverError) -> Int32 {
            switch s {
            case .inherit: return -1
            case .null: return try devNull()
            case .fileDescriptor(let fd): return fd.rawValue
            case .capture(let limit):
                let p = try Spawner.capturePipe()
                toClose.append(p.write)
                capture = OutputCapture(reading: p.read, limit: limit)
                return p.write.rawValue
            }
        }
        let stdinFD: Int32
        switch process.standardInput {
        case .inherit: stdinFD = -1
        case .null: stdinFD = try devNull()
        case .fileDescriptor(let fd): stdinFD = fd.rawValue
        }
        let stdio = (
            stdinFD, try sink(process.standardOutput, &captureOut), try sink(process.standardError, &captureErr)
        )
        let environment = process.environment.entries()

        // Kernel backend first: its programs must be attached before the child passes the gate.
        var kernel: (any KernelEventSource)?
        if let hub {
            kernel = try KernelBackend.open(categories: hub.categories, logger: process.logger)
        }
        func abandon(_ pid: Int32?) {
            _ = kernel?.stop()
            hub?.finish(profile: { _ in nil }, processID: pid ?? 0)
        }

        let pid: Int32
        let pidfd: FileDescriptor
        let startNs: UInt64
        if let kernel, let hub {
            // The start gate: the child waits until its pid is in the kernel's tracked map, so its
            // very first instructions (the loader's opens) are observed.
            var child: obs_gated_child
            do {
                child = try Spawner.forkGated(
                    path: path, argv: argv, environment: environment, workingDirectory: process.workingDirectory,
                    stdio: stdio)
            } catch {
                abandon(nil)
                throw error
            }
            pid = child.pid
            do {
                pidfd = try Spawner.pidfd(for: pid)
                try kernel.track(processID: pid)
            } catch {
                Spawner.signalGroup(pid, SIGKILL)
                _ = Spawner.release(&child)
                _ = Spawner.wait4Blocking(pid)
                abandon(pid)
                throw error
            }
            kernel.start(hub: hub, rootProcessID: pid, onRootExit: nil)
            startNs = Clock.monotonicNs()
            if let execErrno = Spawner.release(&child) {
                _ = Spawner.wait4Blocking(pid)
                try? pidfd.close()
                abandon(pid)
                throw ObserverError.exec(path.string, errno: execErrno)
            }
        } else {
            // Nothing to register in the kernel: posix_spawn, which copies no page tables.
            startNs = Clock.monotonicNs()
            do {
                pid = try Spawner.spawnDirect(
                    path: path, argv: argv, environment: environment, workingDirectory: process.workingDirectory,
                    stdio: stdio)
                pidfd = try Spawner.pidfd(for: pid)
            } catch {
                abandon(nil)
                throw error
            }
        }
        hub?.publish(
            ObserverEvent(
                timestampNs: startNs, category: .lifecycle, processID: pid, parentProcessID: getpid(),
                kind: .started(Started(argv: argv, path: path))))

        captureOut?.start()
        captureErr?.start()
        var sampler: Sampler?
        if let hub, let interval = hub.sampleInterval {
            sampler = Sampler(rootProcessID: pid, interval: interval, top: hub.topProcesses, hub: hub)
            sampler?.start()
        }
        let run = Run(
            pid: pid, pidfd: pidfd, hub: hub, kernel: kernel, sampler: sampler, captures: (captureOut, captureErr),
            startNs: startNs, timeout: process.timeout, grace: process.terminationGrace)
        Reaper.shared.watch(run)
        return run
    }

    // MARK: - control

    /// Sends `signal` to the process group, unless the process has already been reaped
    /// (after which its id could belong to someone else).
    func signal(_ signal: Int32) {
        lock.withLock { if !reaped { Spawner.signalGroup(pid, signal) } }
    }

    /// SIGTERM to the group now, SIGKILL after the grace period.
    func terminate() {
        let poke: Bool = lock.withLock {
            guard !reaped, !terminating else { return false }
            terminating = true
            Spawner.signalGroup(pid, SIGTERM)
            killAt = Clock.monotonicNs() + graceNs
            return true
        }
        if poke { Reaper.shared.poke() }
    }

    /// Kill-on-drop: the handle went away without `wait()`. The reaper still reaps it.
    func killIfRunning() {
        lock.withLock { if !reaped { Spawner.signalGroup(pid, SIGKILL) } }
    }

    var hasDeadline: Bool { lock.withLock { deadline != nil || killAt != nil } }

    /// Called by the reaper thread: signals what is due and returns the next deadline, if any.
    func enforceDeadlines(now: UInt64) -> UInt64? {
        lock.withLock {
            guard !reaped else { return nil }
            if let d = deadline, now >= d {
                deadline = nil
                timedOut = true
                if !terminating {
                    terminating = true
                    Spawner.signalGroup(pid, SIGTERM)
                    killAt = now + graceNs
                }
            }
            if let k = killAt, now >= k {
                killAt = nil
                Spawner.signalGroup(pid, SIGKILL)
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

    var isRunning: Bool { lock.withLock { !reaped } }

    // MARK: - the end of the run

    /// Called on the reaper thread once the pidfd says the child exited. Closing work that can
    /// take a while (joining the sampler, draining and detaching eBPF) moves to its own thread so
    /// other runs' exits are not held up.
    func reap() {
        let (status, usage) = Spawner.wait4Blocking(pid)
        let endNs = Clock.monotonicNs()
        let timedOut = lock.withLock {
            reaped = true
            return self.timedOut
        }
        try? pidfd.close()
        if sampler == nil && kernel == nil && captures.0 == nil && captures.1 == nil {
            close(status: status, usage: usage, endNs: endNs, timedOut: timedOut)
        } else {
            OSThread.detached(name: "obs-run-close") { [self] in
                close(status: status, usage: usage, endNs: endNs, timedOut: timedOut)
            }
        }
    }

    private func close(status: Int32, usage: rusage, endNs: UInt64, timedOut: Bool) {
        let exit = ExitStatus(waitStatus: status)
        let sampleCount = sampler?.stop() ?? 0
        let stats = kernel?.stop() ?? KernelSourceStats()
        hub?.publish(ObserverEvent(timestampNs: endNs, category: .lifecycle, processID: pid, kind: .exited(exit)))
        let out = captures.0?.finish()
        let err = captures.1?.finish()

        func profile(lost: UInt64) -> RunProfile {
            RunProfile(
                status: exit, timedOut: timedOut, wallNanoseconds: endNs - startNs,
                userCPUNanoseconds: nanoseconds(usage.ru_utime), systemCPUNanoseconds: nanoseconds(usage.ru_stime),
                peakRSSBytes: UInt64(max(0, usage.ru_maxrss)) * 1024, minorFaults: UInt64(max(0, usage.ru_minflt)),
                majorFaults: UInt64(max(0, usage.ru_majflt)), voluntaryContextSwitches: UInt64(max(0, usage.ru_nvcsw)),
                involuntaryContextSwitches: UInt64(max(0, usage.ru_nivcsw)), sampleCount: sampleCount,
                lostSubscriber: lost, lostKernel: stats.lost)
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

func nanoseconds(_ d: Duration) -> UInt64 {
    let (s, atto) = d.components
    return UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, atto) / 1_000_000_000)
}

func nanoseconds(_ tv: timeval) -> UInt64 {
    UInt64(max(0, tv.tv_sec)) * 1_000_000_000 + UInt64(max(0, tv.tv_usec)) * 1000
}
