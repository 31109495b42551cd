import CSpawn
import Logging
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One spawned process, from the start gate to the closing profile.
///
/// A dedicated reaper thread waits on the child's pidfd (so no process-wide SIGCHLD handler is
/// needed and nobody else's children are touched), enforces the timeout, reaps with `wait4(2)`
/// for the rusage, then stops the sampler and the kernel source, publishes `exited` and ends the
/// stream with `profile`.
final class Run: @unchecked Sendable {
    let pid: Int32
    private let pidfd: FileDescriptor
    private let wake: (read: FileDescriptor, write: FileDescriptor)
    private let hub: EventHub?
    private let kernel: (any KernelEventSource)?
    private let sampler: Sampler?
    private let captures: (OutputCapture?, OutputCapture?)
    private let startNs: UInt64
    private let timeoutNs: UInt64?
    private let graceNs: UInt64

    private let lock = ConditionLock()
    private var reaped = false
    private var result: ProcessResult?
    private var waiters: [CheckedContinuation<ProcessResult, Never>] = []
    private var terminateRequested = false

    private init(
        pid: Int32, pidfd: FileDescriptor, wake: (read: FileDescriptor, write: FileDescriptor), hub: EventHub?,
        kernel: (any KernelEventSource)?, sampler: Sampler?, captures: (OutputCapture?, OutputCapture?),
        startNs: UInt64, timeout: Duration?, grace: Duration
    ) {
        self.pid = pid
        self.pidfd = pidfd
        self.wake = wake
        self.hub = hub
        self.kernel = kernel
        self.sampler = sampler
        self.captures = captures
        self.startNs = startNs
        self.timeoutNs = timeout.map(nanoseconds)
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
                let p = try Spawner.pipe()
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
        let stdoutFD = try sink(process.standardOutput, &captureOut)
        let stderrFD = try sink(process.standardError, &captureErr)

        // Kernel backend first: its programs must be attached before the child passes the gate.
        var kernel: (any KernelEventSource)?
        if let hub {
            kernel = try KernelBackend.open(categories: hub.categories, logger: process.logger)
        }
        var child: obs_gated_child
        do {
            child = try Spawner.forkGated(
                path: path, argv: argv, environment: process.environment.entries(),
                workingDirectory: process.workingDirectory, stdio: (stdinFD, stdoutFD, stderrFD))
        } catch {
            _ = kernel?.stop()
            hub?.finish(profile: { _ in nil }, processID: 0)
            throw error
        }
        let pid = child.pid
        let pidfd: FileDescriptor
        let wake: (read: FileDescriptor, write: FileDescriptor)
        do {
            pidfd = try Spawner.pidfd(for: pid)
            wake = try Spawner.pipe()
            try kernel?.track(processID: pid)
        } catch {
            Spawner.signalGroup(pid, SIGKILL)
            _ = Spawner.release(&child)
            _ = Spawner.wait4Blocking(pid)
            _ = kernel?.stop()
            hub?.finish(profile: { _ in nil }, processID: pid)
            throw error
        }
        if let hub { kernel?.start(hub: hub, rootProcessID: pid, onRootExit: nil) }

        let startNs = Clock.monotonicNs()
        if let execErrno = Spawner.release(&child) {
            _ = Spawner.wait4Blocking(pid)
            _ = kernel?.stop()
            try? pidfd.close()
            try? wake.read.close()
            try? wake.write.close()
            hub?.finish(profile: { _ in nil }, processID: pid)
            throw ObserverError.exec(path.string, errno: execErrno)
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
            pid: pid, pidfd: pidfd, wake: wake, hub: hub, kernel: kernel, sampler: sampler,
            captures: (captureOut, captureErr), startNs: startNs, timeout: process.timeout,
            grace: process.terminationGrace)
        _ = OSThread(name: "obs-reaper") { run.reap() }
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
        lock.withLock {
            guard !reaped, !terminateRequested else { return }
            terminateRequested = true
            Spawner.signalGroup(pid, SIGTERM)
        }
        poke()
    }

    /// Kill-on-drop: the handle went away without `wait()`.
    func killIfRunning() {
        lock.withLock { if !reaped { Spawner.signalGroup(pid, SIGKILL) } }
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write.rawValue, &byte, 1)
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

    // MARK: - the reaper thread

    private func reap() {
        var deadline = timeoutNs.map { startNs + $0 }
        var killAt: UInt64?
        var timedOut = false
        var fds = [
            pollfd(fd: pidfd.rawValue, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake.read.rawValue, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let now = Clock.monotonicNs()
            if killAt == nil, lock.withLock({ terminateRequested }) { killAt = now + graceNs }
            if let d = deadline, now >= d {
                deadline = nil
                timedOut = true
                lock.withLock { terminateRequested = true }
                Spawner.signalGroup(pid, SIGTERM)
                killAt = now + graceNs
            }
            if let k = killAt, now >= k {
                Spawner.signalGroup(pid, SIGKILL)
                killAt = .max
            }
            let next = [deadline, killAt == .max ? nil : killAt].compactMap { $0 }.min()
            let timeoutMs = next.map { Int32(clamping: ($0 - min($0, now) + 999_999) / 1_000_000) } ?? -1
            fds[0].revents = 0
            fds[1].revents = 0
            let n = poll(&fds, 2, timeoutMs)
            if n < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { break }
            if fds[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                _ = read(wake.read.rawValue, &sink, sink.count)
            }
        }
        let (status, usage) = Spawner.wait4Blocking(pid)
        let endNs = Clock.monotonicNs()
        lock.withLock { reaped = true }
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

        try? pidfd.close()
        try? wake.read.close()
        try? wake.write.close()
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
