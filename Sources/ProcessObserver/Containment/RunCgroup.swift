import SystemPackage

/// One run's cgroup, which the observer made and owns: a fresh cgroup v2 directory that the
/// child enters before its first instruction (`clone3` with `CLONE_INTO_CGROUP`), so that every
/// descendant, whatever process group or session it moves to, stays in it. Ending the run ends
/// the cgroup (`cgroup.kill`), and the run is over when the cgroup is empty (`cgroup.events`:
/// `populated 0`). A cgroup a run only attached to is an `ObservedCgroup`.
///
/// On a hybrid host the run also gets a cgroup in each v1 controller hierarchy it uses (memory,
/// pids), nested under the observer's own, which the child joins at the start gate.
///
/// Every directory lives under `CgroupOwner`'s, beneath the observer's own cgroup.
///
/// **Threads.** `files` never changes, and `kill()` and `signalAll()` read only it: any thread
/// may call them (a timeout on the reaper's, a drop or `terminate()` on the user's). The rest
/// (`baseline`, `limited`, `endCPU`) has one owner at a time, handed on where the hand-over
/// orders memory: `CgroupOwner` (its releasing thread, for a spare it makes or recycles) until
/// `makeRunCgroup()` returns it through the owner's lock; then the spawning thread (`claim()`,
/// `apply(_:)`, the launch) until the session starts its threads; then the session, whose
/// sampler thread only reads `baseline` (written before the thread started) and is joined before
/// the closing thread calls `usage()`; then `CgroupOwner.finished(_:)`, on the closing thread,
/// which recycles it there or hands it to the releasing thread through the owner's lock.
final class RunCgroup: WatchedCgroup, @unchecked Sendable {
    let files: OpenCgroup
    /// Where this run's counters start: a fresh cgroup's at zero when it was made; a recycled
    /// one's at its `cpu.stat` when the run took it (`claim()`).
    private(set) var baseline: CgroupBaseline
    /// A limit was written into this cgroup's files: it is never handed to another run.
    private(set) var limited = false
    /// The `cpu.stat` `usage()` read as the run ended: the next run's baseline if recycled.
    private var endCPU: CgroupCPUStat?

    /// The v1 directories by controller (hybrid hosts only).
    var v1Directories: [String: String] { files.v1Directories }
    /// `O_DIRECTORY` descriptor of the v2 directory, for `CLONE_INTO_CGROUP`.
    var descriptor: FileDescriptor { files.descriptor }
    /// The v2 controllers enabled for the run (`OpenCgroup.controllers`).
    var controllers: Set<String> { files.controllers }

    private init(files: OpenCgroup) {
        self.files = files
        self.baseline = CgroupBaseline(startNs: Clock.monotonicNs(), origin: .made)
    }

    /// Creates the next run's cgroup under the owner's directories.
    static func create(owner: CgroupOwner, name: String, v1Controllers: Set<String>) throws(ObserverError)
        -> RunCgroup
    {
        let directory = owner.directory + "/" + name
        let failure = "creating the run's cgroup \(ByteString(directory).shellQuoted)"
        do {
            try Syscall.makeDirectory(directory)
        } catch {
            throw ObserverError.systemCall(
                .containmentFailed, failure: failure, call: "mkdir", errno: error,
                reason: "the cgroup directory could not be made", remedy: CgroupOwner.remedy)
        }
        CgroupPaths.remember(directory: directory)
        var v1: [String: String] = [:]
        for (controller, parent) in owner.v1Directories
        where v1Controllers.contains(controller) && Syscall.exists(parent) {
            let path = parent + "/" + name
            if (try? Syscall.makeDirectory(path)) != nil { v1[controller] = path }
        }
        do {
            let descriptor = try FileDescriptor.open(
                FilePath(directory), .readOnly, options: [.directory, .closeOnExec])
            let events: FileDescriptor
            do {
                events = try FileDescriptor.open(
                    FilePath(CgroupFile.events.path(in: directory)), .readOnly, options: [.closeOnExec])
            } catch {
                try? descriptor.close()
                throw error
            }
            func kept(_ file: CgroupFile, _ mode: FileDescriptor.AccessMode) -> FileDescriptor? {
                try? FileDescriptor.open(FilePath(file.path(in: directory)), mode, options: [.closeOnExec])
            }
            return RunCgroup(
                files: OpenCgroup(
                    directory: directory, descriptor: descriptor, events: events,
                    cpuStatFile: kept(.cpuStat, .readOnly), statFile: kept(.stat, .readOnly),
                    procsFile: kept(.procs, .writeOnly), controllers: owner.runControllers, v1Directories: v1))
        } catch {
            for path in [directory] + v1.values { try? Syscall.removeDirectory(path) }
            throw ObserverError.systemCall(
                .containmentFailed, failure: failure, call: "open", errno: error as? Errno ?? .ioError,
                reason: "the new cgroup directory could not be opened")
        }
    }

    /// A cgroup made ahead or recycled (`CgroupOwner`'s spares) is now the next run's: its time
    /// starts now, and a recycled one's CPU from its `cpu.stat` now. Read again here, not only
    /// when the last run ended: the kernel charges an exiting task's last slice of CPU time after
    /// its cgroup already reads as empty (measured: a few ms of a busy run showed up in the next
    /// run's first sample).
    func claim() {
        var origin = baseline.origin
        let startNs = Clock.monotonicNs()
        if case .recycled = origin, let cpu = files.cpuStat() { origin = .recycled(cpu) }
        baseline = CgroupBaseline(startNs: startNs, origin: origin)
    }

    /// Whether this finished run's cgroup can serve the next run as it is, and if so makes the
    /// `cpu.stat` now its baseline. Only a cgroup in which nothing of this run can show: no v1
    /// cgroup, no limit written, no v2 controller whose peak cannot be reset (`memory.peak`,
    /// `pids.peak`), empty, not frozen, and with no cgroup nested in it (`cgroup.stat`).
    ///
    /// Cheap enough for the reaper's thread: one `pread` of the open `cgroup.events` (which also
    /// consumes a change notified since), one of `cgroup.stat`, and the `cpu.stat` that `usage()`
    /// read as the run ended.
    func recycle() -> Bool {
        guard v1Directories.isEmpty, !limited, files.controllers.isDisjoint(with: ["memory", "pids"]),
            let state = CgroupFS.events(through: files.events), !state.populated, state.frozen == false,
            let stat = files.statFile.flatMap(CgroupFS.stat(through:)) ?? CgroupFS.stat(in: directory),
            stat.descendants == 0,
            let cpu = endCPU ?? files.cpuStat()
        else { return false }
        baseline = CgroupBaseline(startNs: baseline.startNs, origin: .recycled(cpu))
        endCPU = nil
        return true
    }

    /// Writes the limits into the cgroup's interface files: the v2 ones where the controller is
    /// enabled for the run, else (hybrid hosts) the v1 ones. Throws when a limit has nowhere to go.
    func apply(_ limits: ResourceLimits) throws(ObserverError) {
        if !limits.isUnlimited { limited = true }
        func write(_ limit: String, _ candidates: [(file: String, value: String)]) throws(ObserverError) {
            for (file, value) in candidates where Syscall.exists(file) {
                do {
                    try Syscall.writeFile(file, value)
                    return
                } catch {
                    throw ObserverError.systemCall(
                        .containmentFailed, failure: "setting the run's \(limit) limit", call: "write", errno: error,
                        reason: "\(ByteString(file).shellQuoted) refused \(value)")
                }
            }
            throw ObserverError(
                .containmentFailed, failure: "setting the run's \(limit) limit",
                reason: "the \(limit) controller is not available to this process's cgroups",
                remedy: "Run in a cgroup with the controller delegated (for example systemd-run --scope -p "
                    + "Delegate=yes obsctl …), or without the limit")
        }
        if let bytes = limits.memoryBytes {
            try write(
                "memory",
                [(CgroupFile.memoryMax.path(in: directory), "\(bytes)")]
                    + (v1Directories["memory"].map { [(CgroupFile.memoryLimitInBytes.path(in: $0), "\(bytes)")] }
                        ?? []))
        }
        if let count = limits.processCount {
            try write(
                "pids",
                [(CgroupFile.pidsMax.path(in: directory), "\(count)")]
                    + (v1Directories["pids"].map { [(CgroupFile.pidsMax.path(in: $0), "\(count)")] } ?? []))
        }
        if let cores = limits.cpuCores {
            let period = ResourceLimits.cpuPeriodMicroseconds
            let quota = UInt64(max(1000, (cores * Double(period)).rounded()))
            var candidates = [(CgroupFile.cpuMax.path(in: directory), "\(quota) \(period)")]
            if let v1 = v1Directories["cpu"] {
                try? Syscall.writeFile(CgroupFile.cpuCFSPeriod.path(in: v1), "\(period)")
                candidates.append((CgroupFile.cpuCFSQuota.path(in: v1), "\(quota)"))
            }
            try write("cpu", candidates)
        }
    }

    /// OOM kills and refused forks so far (`OpenCgroup.limitEvents()`).
    func limitEvents() -> LimitEvents { files.limitEvents() }

    /// Puts `pid` in the v1 controller cgroups (and in the v2 one when `CLONE_INTO_CGROUP` was not
    /// available). Called while the child waits at the start gate.
    func add(_ pid: Int32, toUnified: Bool) throws(ObserverError) {
        let targets = (toUnified ? [directory] : []) + v1Directories.values.sorted()
        for target in targets {
            let procs = CgroupFile.procs.path(in: target)
            do {
                try Syscall.writeFile(procs, "\(pid)")
            } catch {
                throw ObserverError.systemCall(
                    .containmentFailed, failure: "moving process \(pid) into its run's cgroup", call: "write",
                    errno: error, reason: "\(ByteString(procs).shellQuoted) refused it")
            }
        }
    }

    /// `cgroup.procs` of the v2 cgroup (kept open with the cgroup) and of each v1 one (opened
    /// now), for a child that puts itself in them (`Spawner.spawnJoining`). The caller closes
    /// those in `opened` after the spawn.
    func procsFiles() throws(ObserverError) -> (all: [FileDescriptor], opened: [FileDescriptor]) {
        var opened: [FileDescriptor] = []
        let kept = files.procsFile.map { [$0] } ?? []
        for dir in (kept.isEmpty ? [directory] : []) + v1Directories.values.sorted() {
            let procs = CgroupFile.procs.path(in: dir)
            do {
                opened.append(try FileDescriptor.open(FilePath(procs), .writeOnly, options: [.closeOnExec]))
            } catch {
                for fd in opened { try? fd.close() }
                throw ObserverError.systemCall(
                    .containmentFailed, failure: "opening the run's cgroup", call: "open",
                    errno: error as? Errno ?? .ioError,
                    reason: "\(ByteString(procs).shellQuoted) could not be opened for writing")
            }
        }
        return (kept + opened, opened)
    }

    /// What this run's whole tree used (`CgroupBaseline.usage(_:)`), read before the cgroup is
    /// removed or handed on; its `cpu.stat` is kept as the next run's baseline if recycled.
    func usage() -> TreeUsage {
        endCPU = files.cpuStat()
        return baseline.usage(files.totals(cpu: endCPU))
    }

    /// Sends `signal` to every process of the run (nested cgroups included), whatever its
    /// process group.
    func signalAll(_ signal: Int32) {
        for pid in allProcesses() { try? Syscall.kill(pid, signal) }
    }

    /// SIGKILL to every process of the cgroup at once, including any forked meanwhile
    /// (`cgroup.kill`, Linux 5.14); on older kernels, SIGKILL to each listed process.
    func kill() {
        if (try? Syscall.writeFile(CgroupFile.kill.path(in: directory), "1")) == nil {
            signalAll(SignalNumber.kill)
        }
    }

    /// Removes the directories once the cgroup is empty; ends what is left first. Idempotent.
    func remove() {
        if isPopulated {
            kill()
            Self.waitUntilEmpty(directory, seconds: 5)
        }
        files.close()
        for path in v1Directories.values.sorted() + [directory] where (try? Syscall.removeDirectory(path)) == nil {
            Self.removeTree(path)
        }
    }

    /// Removes a cgroup directory and the cgroups nested in it, deepest first (a process of the
    /// run may have made its own: an observer run inside the run, say; `remove()` lists the
    /// directory only when a plain `rmdir` failed). Only directories are
    /// removed: the interface files in them are not real files and go with their directory.
    static func removeTree(_ path: String) {
        for name in (try? Syscall.directoryNames(path, directoriesOnly: true)) ?? [] {
            removeTree(path + "/" + String(decoding: name, as: UTF8.self))
        }
        try? Syscall.removeDirectory(path)
    }

    /// Waits (bounded) until `directory`'s cgroup is empty (or its `cgroup.events` unreadable).
    static func waitUntilEmpty(_ directory: String, seconds: Int) {
        let deadline = Clock.monotonicNs() + UInt64(seconds) * 1_000_000_000
        while Clock.monotonicNs() < deadline {
            if CgroupFS.events(in: directory)?.populated != true { return }
            Syscall.sleep(milliseconds: 1)
        }
    }
}
