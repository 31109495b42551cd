import SystemPackage

/// One run's cgroup: a fresh cgroup v2 directory that the child enters before its first
/// instruction (`clone3` with `CLONE_INTO_CGROUP`), so that every descendant, whatever process
/// group or session it moves to, stays in it. Ending the run ends the cgroup (`cgroup.kill`), and
/// the run is over when the cgroup is empty (`cgroup.events`: `populated 0`).
///
/// On a hybrid host the run also gets a cgroup in each v1 controller hierarchy it uses (memory,
/// pids), nested under the observer's own, which the child joins at the start gate.
///
/// Every directory lives under `CgroupOwner`'s, beneath the observer's own cgroup.
final class RunCgroup: @unchecked Sendable {
    /// The v2 directory.
    let directory: String
    /// The v1 directories by controller (hybrid hosts only).
    let v1Directories: [String: String]
    /// `O_DIRECTORY` descriptor of `directory`, for `CLONE_INTO_CGROUP`.
    let descriptor: FileDescriptor
    /// `cgroup.events`, kept open: the kernel signals a change of `populated` as `POLLPRI`.
    let events: FileDescriptor
    /// The v2 controllers enabled in this cgroup (its parent's `cgroup.subtree_control`): only
    /// their interface files exist, so only theirs are read (a file looked up in vain costs a
    /// path walk on every run).
    let controllers: Set<String>
    /// When the run's counters start (`CLOCK_MONOTONIC`): when the directory was made, or when a
    /// spare was handed to its run (`claim()`); for an attached cgroup (`observing`), when it was
    /// opened. The counters then are zero, or `cpuAtOpen`.
    private(set) var createdNs: UInt64
    /// `cpu.stat` when the counters of this run started: read at the attach of an observed
    /// cgroup, or when a finished run's cgroup was kept for the next (`recycle()`); nil for a
    /// fresh cgroup, whose counters start at zero.
    private(set) var cpuAtOpen: CgroupCPUStat?
    /// A limit was written into this cgroup's files: it is never handed to another run.
    private(set) var limited = false
    /// This cgroup served an earlier run (`recycle()`): its samples count from `cpuAtOpen`.
    private(set) var recycled = false
    /// The `cpu.stat` `usage()` read as the run ended: the next run's baseline if recycled.
    private var cpuAtEnd: CgroupCPUStat?
    /// `cpu.stat`, `cgroup.stat` and `cgroup.procs` of a cgroup we made, opened with it and kept
    /// (a cgroup handed on keeps them): a path walk less for every read and every spawn. Nil for
    /// an attached cgroup, whose files are read by path.
    private var cpuStatFile: FileDescriptor?
    private var statFile: FileDescriptor?
    private var procsFile: FileDescriptor?
    /// The CPU time the counters started from: 0 for a fresh cgroup.
    var baselineCPUNs: UInt64 { (cpuAtOpen?.usageMicroseconds ?? 0) &* 1000 }

    private init(
        directory: String, v1Directories: [String: String], descriptor: FileDescriptor, events: FileDescriptor,
        controllers: Set<String>, cpuAtOpen: CgroupCPUStat? = nil
    ) {
        self.directory = directory
        self.v1Directories = v1Directories
        self.descriptor = descriptor
        self.events = events
        self.controllers = controllers
        self.createdNs = Clock.monotonicNs()
        self.cpuAtOpen = cpuAtOpen
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
                    FilePath(directory + "/cgroup.events"), .readOnly, options: [.closeOnExec])
            } catch {
                try? descriptor.close()
                throw error
            }
            let made = RunCgroup(
                directory: directory, v1Directories: v1, descriptor: descriptor, events: events,
                controllers: owner.runControllers)
            made.cpuStatFile = try? FileDescriptor.open(
                FilePath(directory + "/cpu.stat"), .readOnly, options: [.closeOnExec])
            made.statFile = try? FileDescriptor.open(
                FilePath(directory + "/cgroup.stat"), .readOnly, options: [.closeOnExec])
            made.procsFile = try? FileDescriptor.open(
                FilePath(directory + "/cgroup.procs"), .writeOnly, options: [.closeOnExec])
            return made
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
        createdNs = Clock.monotonicNs()
        if recycled, let cpu = currentCPUStat() { cpuAtOpen = cpu }
    }

    /// Whether this finished run's cgroup can serve the next run as it is, and if so makes the
    /// `cpu.stat` now its baseline. Only a cgroup in which nothing of this run can show: no v1
    /// cgroup, no limit written, no v2 controller whose peak cannot be reset (`memory.peak`,
    /// `pids.peak`), empty, not frozen, and with no cgroup nested in it (`cgroup.stat`).
    ///
    /// Cheap enough for the reaper's thread: one `pread` of the open `cgroup.events` (which also
    /// consumes a change notified since), one read of `cgroup.stat`, and the `cpu.stat` that
    /// `usage()` read as the run ended.
    func recycle() -> Bool {
        guard v1Directories.isEmpty, !limited, controllers.isDisjoint(with: ["memory", "pids"]) else { return false }
        let state = Self.read(events, capacity: 256) ?? []
        guard ProcText.value(of: "populated", in: state) == 0, ProcText.value(of: "frozen", in: state) == 0,
            let stat = statFile.flatMap({ Self.read($0) }) ?? ProcFS.readFile(directory + "/cgroup.stat"),
            ProcText.value(of: "nr_descendants", in: stat) == 0,
            let cpu = cpuAtEnd ?? currentCPUStat()
        else { return false }
        cpuAtOpen = cpu
        cpuAtEnd = nil
        recycled = true
        return true
    }

    /// An existing cgroup v2 that a run attaches to (`AttachedCgroup`): opened, never made,
    /// signalled or removed by us. `release()` closes its descriptors when the run is over.
    static func observing(directory: String, failure: String) throws(ObserverError) -> RunCgroup {
        do {
            let descriptor = try FileDescriptor.open(
                FilePath(directory), .readOnly, options: [.directory, .closeOnExec])
            do {
                let events = try FileDescriptor.open(
                    FilePath(directory + "/cgroup.events"), .readOnly, options: [.closeOnExec])
                return RunCgroup(
                    directory: directory, v1Directories: [:], descriptor: descriptor, events: events,
                    controllers: controllerNames(ProcFS.readText(directory + "/cgroup.controllers")),
                    cpuAtOpen: cpuStat(directory))
            } catch {
                try? descriptor.close()
                throw error
            }
        } catch {
            throw ObserverError.systemCall(
                .invalidConfiguration, failure: failure, call: "open", errno: error as? Errno ?? .ioError,
                reason: "the cgroup's directory or its cgroup.events could not be opened",
                remedy:
                    "Check the path, and that it is a cgroup v2 (not the hierarchy's root, which has no cgroup.events)")
        }
    }

    /// Closes the descriptors of an attached cgroup (`observing`); the cgroup itself is left as
    /// it is.
    func release() {
        for fd in [cpuStatFile, statFile, procsFile].compactMap({ $0 }) { try? fd.close() }
        try? events.close()
        try? descriptor.close()
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
                [(directory + "/memory.max", "\(bytes)")]
                    + (v1Directories["memory"].map { [($0 + "/memory.limit_in_bytes", "\(bytes)")] } ?? []))
        }
        if let count = limits.processCount {
            try write(
                "pids",
                [(directory + "/pids.max", "\(count)")]
                    + (v1Directories["pids"].map { [($0 + "/pids.max", "\(count)")] } ?? []))
        }
        if let cores = limits.cpuCores {
            let period = ResourceLimits.cpuPeriodMicroseconds
            let quota = UInt64(max(1000, (cores * Double(period)).rounded()))
            var candidates = [(directory + "/cpu.max", "\(quota) \(period)")]
            if let v1 = v1Directories["cpu"] {
                try? Syscall.writeFile(v1 + "/cpu.cfs_period_us", "\(period)")
                candidates.append((v1 + "/cpu.cfs_quota_us", "\(quota)"))
            }
            try write("cpu", candidates)
        }
    }

    /// `directory/file` when `controller` is enabled here (so the file exists), else nil.
    private func file(_ file: String, of controller: String) -> String? {
        controllers.contains(controller) ? directory + "/" + file : nil
    }

    /// The names in a `cgroup.controllers` or `cgroup.subtree_control` text.
    static func controllerNames(_ text: String?) -> Set<String> {
        Set((text ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
    }

    /// OOM kills and refused forks so far (v2 `memory.events` and `pids.events`; v1
    /// `memory.oom_control` and `pids.events`).
    func limitEvents() -> LimitEvents {
        func counter(_ files: [String], _ key: String) -> Int {
            for file in files {
                guard let text = ProcFS.readText(file) else { continue }
                for line in text.split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    if parts.count == 2, parts[0] == key, let value = Int(parts[1]) { return value }
                }
            }
            return 0
        }
        return LimitEvents(
            oomKills: counter(
                [file("memory.events", of: "memory"), v1Directories["memory"].map { $0 + "/memory.oom_control" }]
                    .compactMap { $0 }, "oom_kill"),
            processLimitHits: counter(
                [file("pids.events", of: "pids"), v1Directories["pids"].map { $0 + "/pids.events" }].compactMap { $0 },
                "max"))
    }

    /// Puts `pid` in the v1 controller cgroups (and in the v2 one when `CLONE_INTO_CGROUP` was not
    /// available). Called while the child waits at the start gate.
    func add(_ pid: Int32, toUnified: Bool) throws(ObserverError) {
        let targets = (toUnified ? [directory] : []) + v1Directories.values.sorted()
        for target in targets {
            do {
                try Syscall.writeFile(target + "/cgroup.procs", "\(pid)")
            } catch {
                throw ObserverError.systemCall(
                    .containmentFailed, failure: "moving process \(pid) into its run's cgroup", call: "write",
                    errno: error, reason: "\(ByteString(target + "/cgroup.procs").shellQuoted) refused it")
            }
        }
    }

    /// `cgroup.procs` of the v2 cgroup (kept open with the cgroup) and of each v1 one (opened
    /// now), for a child that puts itself in them (`Spawner.spawnJoining`). The caller closes
    /// those in `opened` after the spawn.
    func procsFiles() throws(ObserverError) -> (all: [FileDescriptor], opened: [FileDescriptor]) {
        var opened: [FileDescriptor] = []
        let kept = procsFile.map { [$0] } ?? []
        for dir in (kept.isEmpty ? [directory] : []) + v1Directories.values.sorted() {
            do {
                opened.append(
                    try FileDescriptor.open(FilePath(dir + "/cgroup.procs"), .writeOnly, options: [.closeOnExec]))
            } catch {
                for fd in opened { try? fd.close() }
                throw ObserverError.systemCall(
                    .containmentFailed, failure: "opening the run's cgroup", call: "open",
                    errno: error as? Errno ?? .ioError,
                    reason: "\(ByteString(dir + "/cgroup.procs").shellQuoted) could not be opened for writing")
            }
        }
        return (kept + opened, opened)
    }

    /// The processes in the cgroup and in the cgroups nested in it.
    func allProcesses() -> [Int32] {
        func walk(_ path: String) -> [Int32] {
            let own = (ProcFS.readText(path + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
            let nested = ((try? Syscall.directoryNames(path, directoriesOnly: true)) ?? []).flatMap {
                walk(path + "/" + String(decoding: $0, as: UTF8.self))
            }
            return own + nested
        }
        return walk(directory)
    }

    /// Whether any process is left (`cgroup.events`: `populated 1`). Read through the descriptor
    /// the reaper's epoll watches, which re-arms its `EPOLLPRI` (kernfs signals a change once per
    /// read of the same open file).
    var isPopulated: Bool {
        let populated = Self.read(events, capacity: 256).flatMap { ProcText.value(of: "populated", in: $0) }
        return populated.map { $0 != 0 } ?? !allProcesses().isEmpty
    }

    /// What the whole tree used, read before the cgroup is removed: `cpu.stat` (every cgroup v2
    /// has it, controllers or not), the peak memory (`memory.peak` on v2 with the memory
    /// controller, Linux 5.19+; else the v1 `memory.max_usage_in_bytes`), the peak process count
    /// (`pids.peak`, v2 with the pids controller, Linux 6.1+).
    func usage() -> TreeUsage {
        var usage = TreeUsage()
        cpuAtEnd = currentCPUStat()
        if let cpu = cpuAtEnd {
            usage.userCPUNanoseconds = cpu.userMicroseconds &* 1000
            usage.systemCPUNanoseconds = cpu.systemMicroseconds &* 1000
        }
        let memory =
            file("memory.peak", of: "memory").flatMap(ProcFS.readText)
            ?? v1Directories["memory"].flatMap { ProcFS.readText($0 + "/memory.max_usage_in_bytes") }
        usage.peakMemoryBytes = memory.flatMap { UInt64($0.trimmingNewline) }
        usage.peakProcesses = file("pids.peak", of: "pids").flatMap(ProcFS.readText).flatMap {
            Int($0.trimmingNewline)
        }
        return usage
    }

    /// The cgroup's own counters now, for a sample (`CgroupTotals` says what each counts): one
    /// read of `cpu.stat`, and of `memory.current`, `pids.current` and `io.stat` where they
    /// exist (v2 first, then the v1 memory and pids cgroups). Nil when `cpu.stat` cannot be read.
    func reading() -> CgroupReading? {
        guard var cpu = currentCPUStat() else { return nil }
        var baseline = baselineCPUNs
        // A recycled cgroup's counters carry its earlier runs: this run's start is zero.
        if recycled, let start = cpuAtOpen {
            cpu = cpu.since(start)
            baseline = 0
        }
        /// The number in the v2 file, else in the v1 file of the run's cgroup of `controller`.
        func counter(_ v2: String, _ controller: String, _ v1: String) -> UInt64? {
            let bytes =
                file(v2, of: controller).flatMap(ProcFS.readFile)
                ?? v1Directories[controller].flatMap { ProcFS.readFile($0 + "/" + v1) }
            return bytes.flatMap { ProcText.fields($0[...]).first.flatMap(ProcText.unsigned) }
        }
        return CgroupReading(
            cpu: cpu, createdNs: createdNs, baselineCPUNs: baseline,
            memoryBytes: counter("memory.current", "memory", "memory.usage_in_bytes"),
            taskCount: counter("pids.current", "pids", "pids.current").flatMap { Int(exactly: $0) },
            io: file("io.stat", of: "io").flatMap(ProcFS.readFile).flatMap(CgroupIOStat.init(parsing:)))
    }

    /// This cgroup's `cpu.stat` now, through the kept descriptor when there is one.
    private func currentCPUStat() -> CgroupCPUStat? {
        if let cpuStatFile, let bytes = Self.read(cpuStatFile) { return CgroupCPUStat(parsing: bytes) }
        return Self.cpuStat(directory)
    }

    /// The whole of an interface file through an open descriptor (`pread` at 0, which makes
    /// kernfs generate it afresh); nil on an error.
    static func read(_ fd: FileDescriptor, capacity: Int = 4096) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        guard let n = try? buffer.withUnsafeMutableBytes({ try fd.read(fromAbsoluteOffset: 0, into: $0) }) else {
            return nil
        }
        buffer.removeSubrange(n...)
        return buffer
    }

    /// The `cpu.stat` of the cgroup at `directory`; nil when unreadable.
    static func cpuStat(_ directory: String) -> CgroupCPUStat? {
        ProcFS.readFile(directory + "/cpu.stat").flatMap(CgroupCPUStat.init(parsing:))
    }

    /// Sends `signal` to every process of the run (nested cgroups included), whatever its
    /// process group.
    func signalAll(_ signal: Int32) {
        for pid in allProcesses() { try? Syscall.kill(pid, signal) }
    }

    /// SIGKILL to every process of the cgroup at once, including any forked meanwhile
    /// (`cgroup.kill`, Linux 5.14); on older kernels, SIGKILL to each listed process.
    func kill() {
        if (try? Syscall.writeFile(directory + "/cgroup.kill", "1")) == nil { signalAll(SignalNumber.kill) }
    }

    /// Removes the directories once the cgroup is empty; ends what is left first. Idempotent.
    func remove() {
        if isPopulated {
            kill()
            Self.waitUntilEmpty(directory, seconds: 5)
        }
        for fd in [cpuStatFile, statFile, procsFile].compactMap({ $0 }) { try? fd.close() }
        try? events.close()
        try? descriptor.close()
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

    /// Waits (bounded) until `directory`'s cgroup is empty.
    static func waitUntilEmpty(_ directory: String, seconds: Int) {
        let deadline = Clock.monotonicNs() + UInt64(seconds) * 1_000_000_000
        while Clock.monotonicNs() < deadline {
            let events = ProcFS.readFile(directory + "/cgroup.events")
            if events.flatMap({ ProcText.value(of: "populated", in: $0) }) != 1 { return }
            Syscall.sleep(milliseconds: 1)
        }
    }
}

/// What a run's whole tree used, from its cgroup.
public struct TreeUsage: Sendable, Hashable {
    /// CPU time of every process that was ever in the cgroup (`cpu.stat`), daemons included.
    public var userCPUNanoseconds: UInt64 = 0
    public var systemCPUNanoseconds: UInt64 = 0
    /// The cgroup's peak memory (all its processes' pages, page cache included), when the kernel
    /// reports one here; nil otherwise.
    public var peakMemoryBytes: UInt64?
    /// The most processes the cgroup held at once, when the kernel reports it; nil otherwise.
    public var peakProcesses: Int?

    public init() {}

    /// The CPU used since `earlier` (a `cpu.stat` read before; nil: since the cgroup was made);
    /// the peaks (since the cgroup was made, not since `earlier`) are left out.
    func since(_ earlier: CgroupCPUStat?) -> TreeUsage {
        var usage = cpuSince(earlier)
        usage.peakMemoryBytes = nil
        usage.peakProcesses = nil
        return usage
    }

    /// The CPU used since `earlier`, the peaks kept (a recycled cgroup has none that could carry
    /// over: `RunCgroup.recycle()`).
    func cpuSince(_ earlier: CgroupCPUStat?) -> TreeUsage {
        var usage = self
        let user = (earlier?.userMicroseconds ?? 0) &* 1000
        let system = (earlier?.systemMicroseconds ?? 0) &* 1000
        usage.userCPUNanoseconds = userCPUNanoseconds - min(userCPUNanoseconds, user)
        usage.systemCPUNanoseconds = systemCPUNanoseconds - min(systemCPUNanoseconds, system)
        return usage
    }
}

extension String {
    fileprivate var trimmingNewline: Substring { self.split(separator: "\n").first ?? "" }
}
