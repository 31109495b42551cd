import Logging
import SystemPackage

/// Attaches to an existing cgroup v2 (a systemd service, a container): the kernel observes every
/// task of it and of its descendant cgroups by ancestry (`obs_filter_cgroup_id`), so a process
/// that enters it later is observed from then on. Nothing in it is ever signalled. The run
/// lasts while the cgroup holds a process.
struct CgroupAttachLaunch: RunLaunch {
    var cgroup: ObservedCgroup

    func launch() throws(ObserverError) -> LaunchedRun {
        let startNs = Clock.monotonicNs()
        let members = cgroup.allProcesses().filter { $0 != ProcessTree.observer }
        guard !members.isEmpty else {
            throw ObserverError(
                .processNotFound, failure: Self.attaching(cgroup.directory), reason: "it holds no process",
                remedy: "Start what it runs first (systemctl start …), or name a cgroup that has processes")
        }
        // What was running when observing began, each as `started`, oldest first (so a parent
        // comes before its children): the kernel reports what they do from now on, and their exits.
        let stats = members.compactMap(ProcFS.stat).sorted {
            ($0.startTime, $0.processID) < ($1.startTime, $1.processID)
        }
        let started = stats.map { stat in
            let pid = stat.processID
            return ObserverEvent(
                timestampNs: startNs, category: .lifecycle, processID: pid, parentProcessID: stat.parentProcessID,
                kind: .started(Started(argv: ProcFS.commandLine(pid), path: ProcFS.executable(pid))))
        }
        return LaunchedRun(root: .cgroup(cgroup), startNs: startNs, started: started)
    }

    static func attaching(_ directory: String) -> String {
        "attaching to the cgroup \(ByteString(directory).shellQuoted)"
    }
}

extension RunSession {
    /// Attaches to the cgroup v2 at `path` (`AttachedCgroup.attach()`): its directory, or its
    /// path in the hierarchy as `/proc/<pid>/cgroup` shows it. Needs the eBPF backend.
    static func attach(cgroup path: String, subscribers: [SubscriberBuffer], logger: Logger) throws(ObserverError)
        -> RunSession
    {
        let directory = try ObservedCgroup.directory(of: path, layout: .current())
        let failure = CgroupAttachLaunch.attaching(directory)
        let cgroup = try ObservedCgroup.open(directory: directory, failure: failure)
        let hub = EventHub(subscribers: subscribers)
        let resources = RunResources(hub: hub, failure: failure)
        resources.own(observed: cgroup)
        let launched = try resources.abandoning { () throws(ObserverError) -> LaunchedRun in
            guard let id = Syscall.inode(directory) else {
                throw ObserverError(
                    .processNotFound, failure: failure, reason: "the cgroup was removed meanwhile", remedy: nil)
            }
            CgroupPaths.remember(directory: directory)
            _ = try openAttachedKernel(
                hub: hub, resources: resources, observedCgroupID: id, logger: logger,
                serves: "observes the processes of a cgroup")
            try resources.serveCategories()
            return try CgroupAttachLaunch(cgroup: cgroup).launch()
        }
        resources.handOver()
        let session = RunSession(launched: launched, resources: resources, scope: nil)
        session.begin()
        return session
    }
}
