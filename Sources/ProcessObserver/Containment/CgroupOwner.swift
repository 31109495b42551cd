/// The directory this process creates and owns beneath its own cgroup, holding one child cgroup
/// per run: `<own cgroup>/obs.<pid>.<start time>/run.<n>`, in the v2 hierarchy and, on a hybrid
/// host, in the v1 memory (and, for limits, pids and cpu) hierarchies. It is made when the first
/// run starts and removed by `waitForReleases()` once no run holds it (obsctl calls that before
/// it exits, and an `atexit` handler at a normal exit); for a process that dies otherwise, its
/// `ObserverWatchdog` ends the runs and removes the directories.
///
/// A finished run's cgroup is removed on a background thread (`rmdir` of a cgroup whose last
/// process just exited waits for the kernel to take it offline, up to a few milliseconds), so
/// that the run's result does not wait for it. The same thread keeps v2 cgroups ready for the next
/// runs (the spares), once a run has used one, so that a spawn finds its cgroup made and opened:
/// `mkdir` and `rmdir` of a cgroup (its interface files are created and removed one by one) were
/// the largest costs containment added to a spawn. A spare is made ahead when none is left, and a
/// finished run's cgroup becomes one instead of being removed when nothing of the run can show in
/// the next: it is empty, has no nested cgroup, joined no v1 hierarchy, had no limit written, and
/// has no v2 controller with a peak that cannot be reset (memory, pids); its `cpu.stat` then is the
/// next run's baseline. On a host whose run cgroups have the memory or pids controller (pure v2),
/// every run gets a fresh one.
///
/// The name carries the owner's pid and start time (`/proc/<pid>/stat` field 22), so that a
/// directory left by an owner that died (killed with SIGKILL, say) is recognised as such even
/// after its pid has been reused: `reapLeftovers()` ends its processes and removes it. That runs
/// once per process, when the owner is first needed and when capabilities are probed.
///
/// The shared owner also starts the process's `ObserverWatchdog`, which does the same for this
/// owner as soon as this process dies, without waiting for another observer.
final class CgroupOwner: @unchecked Sendable {
    let directory: String
    let v1Directories: [String: String]
    /// The observer's own v2 cgroup directory, beneath which `directory` lives.
    var parentDirectory: String { String(directory.prefix(directory.count - Self.ownName.count - 1)) }
    private let lock = ConditionLock()
    private var next: UInt64 = 0
    private var active = 0
    private var made = false
    /// Run cgroups waiting to be removed; one being removed now; whether the releasing thread
    /// (started with the first finished run, then parked while idle) exists.
    private var releasing: [RunCgroup] = []
    private var removing = false
    private var releaserStarted = false
    /// Empty v2 cgroups for the next runs that join no v1 hierarchy, made ahead or recycled by
    /// the releasing thread while `wantsSpare` (from the first run on, until `waitForReleases`).
    private var spares: [RunCgroup] = []
    private var wantsSpare = false
    /// The most spares kept: finished cgroups beyond it are removed.
    static let maxSpares = 4
    /// The v2 controllers enabled for the runs (the owner directory's `cgroup.subtree_control`),
    /// read when the directories are made.
    private(set) var runControllers: Set<String> = []
    /// The v2 controllers runs want where the hierarchy has them: limits, and the tree profile's
    /// peaks and I/O.
    let wantedControllers: [String]
    /// Those this owner enabled in its directory's `cgroup.subtree_control`.
    private var ownerEnabled: [String] = []
    /// Set while the observer is in a leaf of its own (`ObserverLeaf`), moved there to enable
    /// controllers in its own cgroup.
    private var leaf: ObserverLeaf?
    /// Why a wanted controller that the observer's cgroup has stays unavailable to the runs, from
    /// the last time the directories were made. With the lock held.
    private var lastControllerNote: String?
    /// The controllers the observer last moved into a leaf for. With the lock held.
    private var lastMovedFor: [String] = []
    /// The process that ends the runs if this one dies (the shared owner's only).
    private var watchdog: ObserverWatchdog?

    /// The watchdog's process id, once started.
    var watchdogProcessID: Int32? { lock.withLock { watchdog?.processID } }
    /// The watchdog, once started.
    var currentWatchdog: ObserverWatchdog? { lock.withLock { watchdog } }

    /// Starts the watchdog over this owner's directories, once.
    func startWatchdog() {
        lock.withLock {
            if watchdog == nil { watchdog = ObserverWatchdog.start(for: self) }
        }
    }

    /// Why a wanted controller that the observer's cgroup has stays unavailable to the runs
    /// (the last time the directories were made); nil when none does.
    var controllerNote: String? { lock.withLock { lastControllerNote } }
    /// The controllers the observer last moved into a leaf of its own for (empty when it never
    /// had to).
    var movedForControllers: [String] { lock.withLock { lastMovedFor } }

    /// The v2 controllers runs want, by default.
    static let defaultControllers = ["memory", "pids", "cpu", "io"]

    /// What to do when cgroups cannot be made here.
    static let remedy =
        "Run as root, or in a cgroup delegated to this user (for example systemd-run --user --scope -p Delegate=yes obsctl …)"

    /// The v1 controllers a run may join on a hybrid host (cpu only with a CPU limit).
    static let v1Controllers = ["memory", "pids", "cpu"]

    private init(directory: String, v1Directories: [String: String], wantedControllers: [String]) {
        self.directory = directory
        self.v1Directories = v1Directories
        self.wantedControllers = wantedControllers
    }

    /// This process's owner, found on first use (and leftovers of dead owners reaped then); the
    /// error says why cgroups cannot be made here.
    ///
    /// At a normal exit (`exit(3)`, the end of `main`) the spares and the owner's directories go
    /// with the process (an `atexit` handler calls `waitForReleases()`), so a library user that
    /// never calls it leaves nothing either. For any other death the watchdog started here
    /// removes them (and ends the runs' processes); only without it (its fork failed, or it was
    /// killed) does the next observer find them.
    static let shared: Result<CgroupOwner, ObserverError> = {
        let owner = make(layout: .current())
        if case .success(let made) = owner {
            made.startWatchdog()
            Syscall.atExit {
                if case .success(let owner) = CgroupOwner.shared { owner.waitForReleases() }
            }
        }
        return owner
    }()

    /// The name of this process's owner directory.
    static var ownName: String {
        "obs.\(Syscall.processID()).\(ProcFS.stat(Syscall.processID())?.startTime ?? 0)"
    }

    static func make(layout: CgroupLayout, controllers: [String] = defaultControllers) -> Result<
        CgroupOwner, ObserverError
    > {
        let failure = "creating this process's cgroup for its runs"
        guard let unified = layout.unified else {
            return .failure(
                ObserverError(
                    .containmentFailed, failure: failure,
                    reason: "no cgroup v2 hierarchy is mounted, or this process is not in one",
                    remedy: "Mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup/unified)"))
        }
        reapLeftovers(in: [unified.directory] + v1Controllers.compactMap { layout.v1[$0]?.directory })
        let directory = unified.directory + "/" + ownName
        var v1: [String: String] = [:]
        for controller in v1Controllers {
            if let parent = layout.v1[controller]?.directory { v1[controller] = parent + "/" + ownName }
        }
        let owner = CgroupOwner(directory: directory, v1Directories: v1, wantedControllers: controllers)
        // One run's worth of the whole cycle, to find out now whether cgroups can be made here.
        do {
            let probe = try owner.makeRunCgroup()
            owner.finished(probe)
            owner.waitForReleases()
        } catch {
            return .failure(error)
        }
        return .success(owner)
    }

    /// A fresh cgroup for the next run; the owner's directories are made first if no run holds them.
    ///
    /// A v1 hierarchy is joined only for its limit: a new v1 memory cgroup costs the child about
    /// 0.8 ms here (measured: the spawn of /bin/true went from 2.1 to 2.9 ms), and a v1 cpu cgroup
    /// starts with no real-time budget (`cpu.rt_runtime_us` 0), so SCHED_FIFO and SCHED_RR would
    /// fail in it.
    func makeRunCgroup(limits: ResourceLimits = .none) throws(ObserverError) -> RunCgroup {
        lock.lock()
        if !made {
            do {
                try makeDirectories()
                made = true
            } catch {
                lock.unlock()
                throw error
            }
        }
        active += 1
        var controllers: Set<String> = []
        if limits.memoryBytes != nil { controllers.insert("memory") }
        if limits.processCount != nil { controllers.insert("pids") }
        if limits.cpuCores != nil { controllers.insert("cpu") }
        let joinsV1 = !controllers.isDisjoint(with: v1Directories.keys)
        if !joinsV1, let ready = spares.popLast() {
            if spares.isEmpty { lock.broadcast() }  // the releasing thread makes the next one
            lock.unlock()
            ready.claim()
            return ready
        }
        let name = nextName()
        lock.unlock()
        startReleaser()
        do {
            let made = try RunCgroup.create(owner: self, name: name, v1Controllers: controllers)
            lock.withLock {
                wantsSpare = true
                lock.broadcast()
            }
            return made
        } catch {
            lock.withLock { release() }
            throw error
        }
    }

    /// With the lock held.
    private func nextName() -> String {
        next += 1
        return "run.\(next)"
    }

    /// Hands the run's cgroup to the releasing thread, which removes it.
    ///
    /// A cgroup the next run can use is kept as a spare right here, on the caller's thread (the
    /// reaper's): a few reads, cheaper than waking the releasing thread on a machine whose cores
    /// are busy with the next spawn.
    func finished(_ run: RunCgroup) {
        if keptAsSpare(run) {
            lock.withLock { release() }
            return
        }
        lock.withLock {
            releasing.append(run)
            lock.broadcast()
        }
        startReleaser()
    }

    /// Keeps a finished run's cgroup as a spare when spares are wanted, there is room, and the
    /// cgroup can serve another run (`RunCgroup.recycle()`).
    private func keptAsSpare(_ run: RunCgroup) -> Bool {
        guard lock.withLock({ wantsSpare && spares.count < Self.maxSpares }), run.recycle() else { return false }
        return lock.withLock {
            guard wantsSpare else { return false }
            spares.append(run)
            return true
        }
    }

    /// Starts the releasing thread on first use; it stays, parked while idle.
    private func startReleaser() {
        let start: Bool = lock.withLock {
            defer { releaserStarted = true }
            return !releaserStarted
        }
        if start { OSThread.detached(name: "obs-cg-release") { [self] in drain() } }
    }

    /// What the releasing thread does next.
    private enum Work {
        case remove(RunCgroup)
        case makeSpare(String)
    }

    private func drain() {
        while true {
            let work: Work = lock.withLock {
                while releasing.isEmpty && !(wantsSpare && spares.isEmpty && made) { lock.wait() }
                removing = true
                return releasing.isEmpty ? .makeSpare(nextName()) : .remove(releasing.removeFirst())
            }
            switch work {
            case .remove(let run):
                if !keptAsSpare(run) { run.remove() }
                lock.withLock {
                    release()
                    removing = false
                    lock.broadcast()
                }
            case .makeSpare(let name):
                let made = try? RunCgroup.create(owner: self, name: name, v1Controllers: [])
                let unwanted: RunCgroup? = lock.withLock {
                    // Not wanted any more (waitForReleases ran), or it could not be made: no more
                    // spares until a run makes its own cgroup again.
                    guard let made, wantsSpare else {
                        wantsSpare = false
                        return made
                    }
                    spares.append(made)
                    return nil
                }
                // Removed before `removing` clears, so that waitForReleases finds it gone.
                unwanted?.remove()
                lock.withLock {
                    removing = false
                    lock.broadcast()
                }
            }
        }
    }

    /// Blocks until every finished run's cgroup is removed, removes the spares, then removes the
    /// owner's directories when no run holds them.
    func waitForReleases() {
        lock.withLock {
            wantsSpare = false
            while removing || !releasing.isEmpty { lock.wait() }
            for ready in spares { ready.remove() }
            spares = []
            guard active == 0, made else { return }
            for path in v1Directories.values.sorted() { try? Syscall.removeDirectory(path) }
            if let leaf {
                // The way in, backwards: the owner's controllers off, the own cgroup's off, the
                // observer back in its cgroup.
                let control = CgroupFile.subtreeControl.path(in: directory)
                for controller in ownerEnabled.reversed() { try? Syscall.writeFile(control, "-" + controller) }
                guard leaf.leave() else {
                    // Another child of the own cgroup uses a controller: stay, and keep serving.
                    for controller in ownerEnabled { try? Syscall.writeFile(control, "+" + controller) }
                    return
                }
                self.leaf = nil
            }
            try? Syscall.removeDirectory(directory)
            made = false
        }
    }

    /// Blocks until every finished run's cgroup has been removed or kept as a spare, and the
    /// releasing thread is idle; the spares stay.
    func waitUntilReleased() {
        lock.withLock { while removing || !releasing.isEmpty { lock.wait() } }
    }

    /// The directories of the spares now, newest last (the next run takes the last).
    var spareDirectories: [String] { lock.withLock { spares.map(\.directory) } }

    /// With the lock held.
    private func release() { active -= 1 }

    /// Runs whose cgroup exists now (started and not yet released).
    var activeRunCount: Int { lock.withLock { active } }

    /// With the lock held.
    private func makeDirectories() throws(ObserverError) {
        do {
            try Syscall.makeDirectory(directory)
        } catch  where error == .fileExists {
            // Left by a run of ours that ended abnormally: reuse it.
        } catch {
            throw .systemCall(
                .containmentFailed, failure: "creating this process's cgroup for its runs", call: "mkdir",
                errno: error, reason: "\(ByteString(directory).shellQuoted) could not be made", remedy: Self.remedy)
        }
        for path in v1Directories.values { try? Syscall.makeDirectory(path) }
        // The wanted controllers the observer's own cgroup has but does not pass down yet: enabled
        // there, from a leaf of the observer's own when the no-internal-processes rule requires
        // it. Never in the hierarchy's root (no cgroup.events), which is the host's.
        let own = parentDirectory
        lastControllerNote = nil
        lastMovedFor = []
        if Syscall.exists(CgroupFile.events.path(in: own)) {
            let has = CgroupFS.controllers(in: own)
            let passed = CgroupFS.subtreeControl(in: own)
            let missing = wantedControllers.filter { has.contains($0) && !passed.contains($0) }
            if !missing.isEmpty {
                let outcome = ObserverLeaf.enable(
                    missing, in: own, leafDirectory: directory + "/observer",
                    companions: watchdog.map { [$0.processID] } ?? [])
                leaf = outcome.leaf
                lastControllerNote = outcome.note
                if outcome.leaf != nil { lastMovedFor = outcome.enabled }
            }
        }
        // Then for the runs (the owner directory holds no process, so the rule allows it).
        let available = CgroupFS.controllers(in: directory)
        ownerEnabled = []
        for controller in wantedControllers where available.contains(controller) {
            if (try? Syscall.writeFile(CgroupFile.subtreeControl.path(in: directory), "+" + controller)) != nil {
                ownerEnabled.append(controller)
            }
        }
        runControllers = CgroupFS.subtreeControl(in: directory)
    }

    /// Owner directories under `parents` whose owner is gone: their runs' processes are killed
    /// and the directories removed. Returns how many owner directories were removed.
    @discardableResult
    static func reapLeftovers(in parents: [String]) -> Int {
        var removed = 0
        for parent in parents {
            for name in (try? Syscall.directoryNames(parent, directoriesOnly: true)) ?? [] {
                let text = String(decoding: name, as: UTF8.self)
                guard let owner = OwnerName(text), !owner.isAlive else { continue }
                let path = parent + "/" + text
                for run in (try? Syscall.directoryNames(path, directoriesOnly: true)) ?? [] {
                    let runPath = path + "/" + String(decoding: run, as: UTF8.self)
                    guard Syscall.exists(CgroupFile.procs.path(in: runPath)) else { continue }
                    if (try? Syscall.writeFile(CgroupFile.kill.path(in: runPath), "1")) == nil {
                        for pid in CgroupFS.processes(in: runPath)?.processIDs ?? [] {
                            try? Syscall.kill(pid, SignalNumber.kill)
                        }
                    }
                    RunCgroup.waitUntilEmpty(runPath, seconds: 5)
                    RunCgroup.removeTree(runPath)
                }
                if (try? Syscall.removeDirectory(path)) != nil { removed += 1 }
            }
        }
        return removed
    }

    /// `obs.<pid>.<start time>`, parsed.
    struct OwnerName: Hashable {
        var processID: Int32
        var startTime: UInt64

        init?(_ name: String) {
            let parts = name.split(separator: ".")
            guard parts.count == 3, parts[0] == "obs", let pid = Int32(parts[1]), let start = UInt64(parts[2]) else {
                return nil
            }
            processID = pid
            startTime = start
        }

        /// The process of that pid exists and started at that time (not a reused pid).
        var isAlive: Bool { ProcFS.stat(processID)?.startTime == startTime }
    }
}
