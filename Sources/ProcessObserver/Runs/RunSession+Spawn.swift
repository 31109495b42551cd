import CSpawn
import SystemPackage

extension RunSession {
    /// Spawns `process`: resolves the executable, wires its standard descriptors, loads the
    /// kernel backend, makes the run's cgroup, and launches the child (`GatedSpawnLaunch` when the
    /// kernel needs it registered before its first instruction, else `SpawnLaunch`).
    static func spawn(process: NativeProcess, subscribers: [SubscriberBuffer]) throws(ObserverError) -> RunSession {
        let path = try Spawner.resolve(process.executable, environment: process.environment)
        let hub = subscribers.isEmpty ? nil : EventHub(subscribers: subscribers)
        // The eBPF load, the longest step, overlaps the cgroup and descriptor set-up below.
        if let hub {
            KernelPreload.start(
                categories: hub.categories, resolvePaths: hub.resolvesPaths, syscallSummary: hub.summarizesSyscalls,
                filter: hub.kernelFilter, countBytes: hub.countsIOBytes)
            // And the spawn helper's start (a memfd and an exec, about 2 ms) overlaps it too.
            SpawnHelper.warm()
        }
        let resources = RunResources(hub: hub, failure: ObserverError.starting(path))
        let launched = try resources.abandoning { () throws(ObserverError) -> LaunchedRun in
            let cgroup = try makeCgroup(process.containment, limits: process.limits)
            resources.own(cgroup: cgroup)
            let command = try command(for: process, path: path, resources: resources)
            // Kernel backend first: its programs must be attached before the child passes the gate.
            if let hub {
                resources.own(
                    kernel: try KernelBackend.open(
                        categories: hub.categories, resolvingPaths: hub.resolvesPaths, logger: process.logger,
                        summarizingSyscalls: hub.summarizesSyscalls, filter: hub.kernelFilter,
                        countingBytes: hub.countsIOBytes))
            }
            try resources.serveCategories()
            let launch: any RunLaunch =
                if let kernel = resources.kernel {
                    GatedSpawnLaunch(command: command, cgroup: cgroup, kernel: kernel)
                } else {
                    SpawnLaunch(command: command, cgroup: cgroup)
                }
            return try launch.launch()
        }
        resources.handOver()
        SpawnHelper.logFallback(process.logger)
        // Without a cgroup, the watchdog kills the run's process group if this process dies.
        if resources.cgroup == nil {
            ObserverWatchdog.forProcessGroups?.watch(processGroup: launched.root.processID)
        }
        let session = RunSession(
            launched: launched, resources: resources,
            scope: resources.cgroup.map { .cgroup($0) } ?? .processGroup(launched.root.processID),
            end: process.runEnd, limits: process.limits, timeout: process.timeout, grace: process.terminationGrace)
        session.begin()
        return session
    }

    /// The command to spawn: the child's standard descriptors are opened here and owned by
    /// `resources` (ours are closed once the child has its copies), the captured pipes too.
    private static func command(for process: NativeProcess, path: ByteString, resources: RunResources)
        throws(ObserverError) -> Spawner.Command
    {
        let starting = resources.failure
        var captures: (OutputCapture?, OutputCapture?) = (nil, nil)
        defer { resources.own(captures: captures) }
        func devNull() throws(ObserverError) -> Int32 {
            do {
                let fd = try FileDescriptor.open("/dev/null", .readWrite, options: [.closeOnExec])
                resources.own(childEnd: fd)
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
                resources.own(childEnd: p.write)
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
            stdinFD, try sink(process.standardOutput, &captures.0), try sink(process.standardError, &captures.1)
        )
        let argv = [ByteString(process.executable.description)] + process.arguments
        return Spawner.Command(
            path: path, argv: argv, environment: process.environment.entries(),
            workingDirectory: process.workingDirectory, stdio: stdio, cgroup: resources.cgroup?.descriptor,
            deathSignal: process.diesWithSpawningThread ? SignalNumber.kill : 0)
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
