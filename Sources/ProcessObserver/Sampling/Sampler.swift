/// Periodic perf samples of the observed tree, read from `/proc`, on a dedicated thread.
///
/// The first look is taken as soon as `start()` runs; the next ones on a fixed grid of
/// `interval` steps from the first look's timestamp. When a look ends late (a slow `/proc`, a
/// busy machine), the grid points already passed are skipped, never made up: two samples never
/// share one grid step, so samples never burst.
///
/// Each look publishes ONE `sample` event (category `lifecycle`, `processID` the root) through
/// the hub, which never blocks. The series ends when the tree is gone (the root exited or was
/// reaped and no member is left) or when `stop()` is called, whichever comes first.
///
/// With a run cgroup, the members are the cgroup's processes (and its nested cgroups'), root
/// first: a descendant that was re-parented away from the root (a daemon, a `setsid` escapee)
/// is still sampled, and the series lasts as long as the run does; each sample also carries the
/// cgroup's own counters (`CgroupTotals`), read right after the members' `/proc` files. Without
/// one, the members are the root's live descendants (`ProcessTree`) and `PerfSample.cgroup` is
/// nil.
final class Sampler: @unchecked Sendable {
    private let rootProcessID: Int32
    private let cgroup: (any WatchedCgroup)?
    private let intervalNs: UInt64
    private let hub: EventHub
    private let tree: ProcessTree
    /// Touched only by the sampling thread.
    private var builder: SampleBuilder

    private let lock = ConditionLock()
    private var thread: OSThread?
    private var stopping = false
    private var finished = false
    private var published = 0

    init(
        rootProcessID: Int32, interval: Duration, top: Int, hub: EventHub, tree: ProcessTree = ProcessTree(),
        cgroup: (any WatchedCgroup)? = nil
    ) {
        self.rootProcessID = rootProcessID
        self.cgroup = cgroup
        self.intervalNs = max(1, nanoseconds(interval))
        self.hub = hub
        self.tree = tree
        self.builder = SampleBuilder(top: top)
    }

    /// Starts the sampling thread; the first sample is taken at once. Call once.
    func start() {
        lock.withLock {
            guard thread == nil, !stopping else { return }
            thread = OSThread(name: "obs-sampler") { [self] in run() }
        }
    }

    /// Ends the series: wakes the thread if it sleeps, waits for it to return, and returns how
    /// many samples were published. No sample is published after it returns.
    func stop() -> Int {
        let thread = lock.withLock {
            stopping = true
            lock.broadcast()
            defer { self.thread = nil }
            return self.thread
        }
        thread?.join()
        return lock.withLock { published }
    }

    /// Blocks until the series has ended by itself or by `stop()`; for tests.
    func waitUntilFinished() -> Int {
        lock.withLock {
            while !finished { lock.wait() }
            return published
        }
    }

    /// The cgroup's live processes, the root first when it is one of them; never the observer
    /// (which may be inside a cgroup it attached to).
    private func cgroupMembers(_ cgroup: any WatchedCgroup) -> [ProcStat] {
        let stats = cgroup.allProcesses().filter { $0 != ProcessTree.observer }.compactMap(ProcFS.stat)
            .filter(ProcessTree.isLive)
        return stats.filter { $0.processID == rootProcessID } + stats.filter { $0.processID != rootProcessID }
    }

    private func run() {
        defer {
            lock.withLock {
                finished = true
                lock.broadcast()
            }
        }
        // The root's start time names it for the whole series (see ProcessTree on pid reuse).
        // A cgroup names the run's processes by itself: a root that exited (and was reaped)
        // before this thread's first look leaves the rest of the run to sample.
        let rootStartTime = ProcFS.stat(rootProcessID)?.startTime
        if cgroup == nil && rootStartTime == nil { return }
        var originNs: UInt64?
        while true {
            let timestampNs = Clock.monotonicNs()
            let bootNs = Clock.bootNs()
            let members =
                cgroup.map(cgroupMembers) ?? tree.members(root: rootProcessID, rootStartTime: rootStartTime ?? 0)
            // Without a cgroup an empty tree is the end of the series. With one, the run ends the
            // series (`stop()`): a look that found no live member (between an exit and its
            // reaping, or a cgroup.procs read that came back empty) is skipped, not the end.
            if members.isEmpty && cgroup == nil { return }
            let origin = originNs ?? timestampNs
            originNs = origin
            lock.lock()
            if stopping {
                lock.unlock()
                return
            }
            if !members.isEmpty {
                let readings = members.map { ProcessReading(stat: $0, io: ProcFS.io($0.processID)) }
                let sample = builder.sample(
                    readings, cgroup: cgroup?.reading(), timestampNs: timestampNs, bootNs: bootNs)
                hub.publish(
                    ObserverEvent(
                        timestampNs: timestampNs, category: .lifecycle, processID: rootProcessID,
                        command: ByteString(bytes: members[0].command), kind: .sample(sample)))
                published += 1
            }
            // The first grid point strictly after now: passed points are skipped, not made up.
            let now = Clock.monotonicNs()
            let deadline = origin + ((now - origin) / intervalNs + 1) * intervalNs
            while !stopping, Clock.monotonicNs() < deadline { _ = lock.wait(untilMonotonicNs: deadline) }
            let stop = stopping
            lock.unlock()
            if stop { return }
        }
    }
}
