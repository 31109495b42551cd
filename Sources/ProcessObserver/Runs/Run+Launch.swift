import CSpawn
import SystemPackage

extension Run {
    /// Launches `process`: resolves the executable, wires its standard descriptors, loads the
    /// kernel backend, makes the run's cgroup, and starts the child (gated when the kernel or the
    /// cgroup needs it registered before its first instruction, else with posix_spawn).
    static func start(process: NativeProcess, subscribers: [SubscriberBuffer]) throws(ObserverError) -> Run {
        let path = try Spawner.resolve(process.executable, environment: process.environment)
        let argv = [ByteString(process.executable.description)] + process.arguments
        let starting = ObserverError.starting(path)
        let hub = subscribers.isEmpty ? nil : EventHub(subscribers: subscribers)
        let cgroup = try makeCgroup(process.containment, limits: process.limits)

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
                throw ObserverError.systemCall(
                    .failedToSetUpStandardIO, failure: starting, call: "open(/dev/null)",
                    errno: error as? Errno ?? .ioError,
                    reason: "/dev/null could not be opened for the child's standard input or output",
                    remedy: "Check that /dev/null exists and is a character device")
            }
        }
        func sink(_ s: OutputSink, _ capture: inout OutputCapture?) throws(ObserverError) -> Int32 {
            switch s {
            case .inherit: return -1
            case .null: return try devNull()
            case .fileDescriptor(let fd): return fd.rawValue
            case .capture(let limit):
                let p = try Spawner.capturePipe(failure: starting)
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
        let command = Spawner.Command(
            path: path, argv: argv, environment: process.environment.entries(),
            workingDirectory: process.workingDirectory, stdio: stdio, cgroup: cgroup?.descriptor,
            deathSignal: process.diesWithSpawningThread ? SignalNumber.kill : 0)

        // Kernel backend first: its programs must be attached before the child passes the gate.
        var kernel: (any KernelEventSource)?
        if let hub {
            kernel = try KernelBackend.open(
                categories: hub.categories, resolvingPaths: hub.resolvesPaths, logger: process.logger)
        }
        func abandon(_ pid: Int32?) {
            _ = kernel?.stop()
            if let cgroup, case .success(let owner) = CgroupOwner.shared { owner.finished(cgroup) }
            hub?.finish(profile: { _ in nil }, processID: pid ?? 0)
        }

        let pid: Int32
        let pidfd: FileDescriptor
        let startNs: UInt64
        if kernel != nil {
            // The start gate: the child waits until its pid is in the kernel's tracked map (and in
            // its v1 controller cgroups), so its very first instructions (the loader's opens) are
            // observed and contained.
            var child: obs_gated_child
            do {
                child = try Spawner.forkGated(command)
            } catch {
                abandon(nil)
                throw error
            }
            pid = child.pid
            do {
                pidfd = try Spawner.pidfd(for: pid, failure: starting)
                try kernel?.track(processID: pid)
                try cgroup?.add(pid, toUnified: child.in_cgroup == 0)
            } catch {
                Syscall.signalGroup(pid, SignalNumber.kill)
                _ = Spawner.release(&child, command)
                _ = Spawner.wait4Blocking(pid)
                abandon(pid)
                throw error
            }
            startNs = Clock.monotonicNs()
            if let failure = Spawner.release(&child, command) {
                // The child's records (its exit with 127) stay in the ring and go with it: a start
                // that failed delivers no event.
                _ = Spawner.wait4Blocking(pid)
                try? pidfd.close()
                abandon(pid)
                throw failure
            }
            // Delivery starts once exec has succeeded; what the child did meanwhile is queued in
            // the ring buffer, not lost.
            if let kernel, let hub { kernel.start(hub: hub, rootProcessID: pid, onRootExit: nil) }
        } else {
            // Nothing to register in the kernel: no start gate, no page tables copied. A cgroup to
            // enter, or the death signal, needs our own vfork-like clone (the child puts itself in
            // the cgroup before exec); otherwise glibc's posix_spawn.
            startNs = Clock.monotonicNs()
            do {
                if cgroup != nil || process.diesWithSpawningThread {
                    let join = try cgroup?.openProcsFiles() ?? []
                    defer { for fd in join { try? fd.close() } }
                    pid = try Spawner.spawnJoining(command, join: join)
                } else {
                    pid = try Spawner.spawnDirect(command)
                }
            } catch {
                abandon(nil)
                throw error
            }
            do {
                pidfd = try Spawner.pidfd(for: pid, failure: starting)
            } catch {
                // The child is running and nothing would reap it: end it (and what it may
                // already have started, in its group or cgroup) and wait for it here.
                if let cgroup { cgroup.kill() } else { Syscall.signalGroup(pid, SignalNumber.kill) }
                try? Syscall.kill(pid, SignalNumber.kill)
                _ = Spawner.wait4Blocking(pid)
                abandon(pid)
                throw error
            }
        }
        hub?.publish(
            ObserverEvent(
                timestampNs: startNs, category: .lifecycle, processID: pid, parentProcessID: Syscall.processID(),
                kind: .started(Started(argv: argv, path: path))))

        captureOut?.start()
        captureErr?.start()
        var sampler: Sampler?
        if let hub, let interval = hub.sampleInterval {
            sampler = Sampler(
                rootProcessID: pid, interval: interval, top: hub.topProcesses, hub: hub, cgroup: cgroup)
            sampler?.start()
        }
        let run = Run(
            pid: pid, pidfd: pidfd, scope: cgroup.map { .cgroup($0) } ?? .processGroup(pid), end: process.runEnd,
            limits: process.limits, hub: hub, kernel: kernel, sampler: sampler, captures: (captureOut, captureErr),
            startNs: startNs,
            timeout: process.timeout, grace: process.terminationGrace)
        Reaper.shared.watch(run)
        return run
    }

    /// The run's cgroup, when containment asks for one and this machine can make it. A machine
    /// that cannot is said once by `ObserverCapabilities.containment`; the run then falls back to
    /// the process group, and its profile says `process-group`.
    private static func makeCgroup(_ containment: Containment, limits: ResourceLimits) throws(ObserverError)
        -> RunCgroup?
    {
        guard containment == .automatic, case .success(let owner) = CgroupOwner.shared else {
            guard limits.isUnlimited else {
                let why: ObserverError? =
                    if case .failure(let error) = CgroupOwner.shared, containment == .automatic { error } else { nil }
                throw ObserverError(
                    .containmentFailed, failure: "limiting the run",
                    reason: "limits need a cgroup for the run, and "
                        + (why.map { "none can be made here: \($0.cause)" } ?? "containment is .processGroup"),
                    remedy: why?.remedy)
            }
            return nil
        }
        let cgroup = try owner.makeRunCgroup(limits: limits)
        do {
            try cgroup.apply(limits)
        } catch {
            owner.finished(cgroup)
            throw error
        }
        return cgroup
    }

}
