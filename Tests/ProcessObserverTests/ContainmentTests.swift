import Glibc
import Testing

@testable import ProcessObserver

/// Each run in its own cgroup, on this machine's real cgroup hierarchies: a descendant that leaves
/// the process group (`setsid`) is still the run's, waited for or ended with it, and nothing is
/// left behind. Every child has a timeout so that a broken run fails instead of hanging.
@Suite("Containment: a cgroup per run", .serialized)
struct ContainmentTests {
    /// The owner directory of this test process, which must not outlive the runs.
    static var ownerDirectory: String? {
        guard case .success(let owner) = CgroupOwner.shared else { return nil }
        return owner.directory
    }

    /// Run cgroups under the owner beyond those of runs still going (other suites' processes may
    /// run meanwhile); the owner directory itself is gone when no run holds it.
    static func leftoverRuns(_ owner: String) -> [String] {
        guard case .success(let shared) = CgroupOwner.shared else { return ["no owner"] }
        let active = shared.activeRunCount
        let runs = ((try? Syscall.directoryNames(owner)) ?? []).map { String(decoding: $0, as: UTF8.self) }
            .filter { $0.hasPrefix("run.") }
        if active == 0 { return Syscall.exists(owner) ? ["owner directory"] + runs : [] }
        return runs.count == active ? [] : runs
    }

    @Test("containment is supported here with backend cgroup2, and a run's child is in its own cgroup")
    func childIsInRunCgroup() throws {
        let capability = ContainmentCapability.probe()
        #expect(capability.support == .supported)
        #expect(capability.backend == "cgroup2")
        let owner = try #require(Self.ownerDirectory)
        let process = NativeProcess(
            .name("cat"), arguments: ["/proc/self/cgroup"], standardOutput: .capture(maxBytes: 4096),
            timeout: .seconds(10))
        let result = try process.run()
        let lines = String(decoding: result.standardOutput ?? [], as: UTF8.self).split(separator: "\n")
        let v2 = try #require(lines.first { $0.hasPrefix("0::") })
        let ownerName = String(owner.split(separator: "/").last!)
        #expect(v2.hasPrefix("0::") && v2.contains("/\(ownerName)/run."))
        #expect(result.profile.containment == "cgroup2")
        ObserverCleanup.waitForReleases()
        #expect(Self.leftoverRuns(owner) == [], "every finished run's cgroup is removed")
    }

    @Test("a setsid escapee is waited for: the run ends when it exits, and its work is done by then")
    func waitsForEscapee() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let marker = "\(dir)/done"
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "setsid sh -c 'sleep 0.3; echo done > \(marker)' & exit 7"],
            timeout: .seconds(20))
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .exited(code: 7))
        #expect(ProcessCensus.readSmallFile(marker) == "done\n")
        let profile = try #require(result.profile.treeWallNanoseconds)
        #expect(profile >= 300_000_000)
        #expect(profile > result.profile.wallNanoseconds)
        #expect(events.collect().map(\.kind.name) == ["started", "exited", "profile"])
    }

    @Test("RunEnd.rootExits ends what the root left running, even outside its process group")
    func endsWithRoot() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let pidFile = "\(dir)/escapee.pid"
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "setsid sleep 100 & echo $! > \(pidFile); exit 0"],
            timeout: .seconds(20), runEnd: .rootExits)
        let result = try process.run()
        #expect(result.status == .exited(code: 0))
        #expect(!result.profile.timedOut)
        let escapee = try #require(ProcessCensus.readSmallFile(pidFile).flatMap { Int32($0.dropLast()) })
        #expect(ProcessCensus.waitGone(escapee, seconds: 1), "the setsid sleep \(escapee) survived the run")
    }

    @Test("a timeout ends the whole cgroup, a setsid escapee included")
    func timeoutEndsEscapee() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let pidFile = "\(dir)/escapee.pid"
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "setsid sleep 100 & echo $! > \(pidFile); sleep 100"],
            timeout: .milliseconds(300))
        let result = try process.run()
        #expect(result.profile.timedOut)
        #expect(result.status == .signaled(signal: SIGTERM, coreDumped: false))
        let escapee = try #require(ProcessCensus.readSmallFile(pidFile).flatMap { Int32($0.dropLast()) })
        #expect(ProcessCensus.waitGone(escapee, seconds: 1), "the setsid sleep \(escapee) survived the timeout")
    }

    @Test("a dropped handle kills the whole tree, a setsid escapee included")
    func killOnDropEndsEscapee() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let pidFile = "\(dir)/escapee.pid"
        let ready = try Syscall.pipe()
        defer { try? ready.read.close() }
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "setsid sleep 100 & echo $! > \(pidFile); echo ready; sleep 100"],
            standardOutput: .fileDescriptor(ready.write))
        let events = process.withObserver(.lifecycle())
        var running: RunningProcess? = try process.spawn()
        try ready.write.close()
        #expect(events.recv()?.kind.name == "started")
        // "ready" comes after the pid file is written.
        #expect(Syscall.waitReadable(ready.read, timeoutMs: 10_000))
        let escapee = try #require(ProcessCensus.readSmallFile(pidFile).flatMap { Int32($0.dropLast()) })
        running = nil
        #expect(events.collect().map(\.kind.name) == ["exited", "profile"])
        #expect(ProcessCensus.waitGone(escapee, seconds: 1), "the setsid sleep \(escapee) survived the drop")
    }

    @Test("interrupt() reaches every process, and a tree that ignores it is killed after the grace period")
    func interruptEscalates() throws {
        let ready = try Syscall.pipe()
        defer { try? ready.read.close() }
        // Both ignore SIGINT before "ready" is written: the root before it forks, the escapee
        // before it writes.
        let process = NativeProcess(
            .name("sh"),
            arguments: ["-c", "trap '' INT; setsid sh -c \"trap '' INT; echo ready; sleep 100\" & sleep 100"],
            standardOutput: .fileDescriptor(ready.write), terminationGrace: .milliseconds(300))
        let events = process.withObserver(.lifecycle())
        let running = try process.spawn()
        try ready.write.close()
        #expect(Syscall.waitReadable(ready.read, timeoutMs: 10_000))
        running.interrupt(SIGINT)
        let result = running.wait()
        #expect(result.status == .signaled(signal: SIGKILL, coreDumped: false))
        #expect(events.collect().map(\.kind.name) == ["started", "exited", "profile"])
        #expect(running.remainingProcesses.isEmpty)
    }

    @Test("the tree profile counts a daemonized grandchild's CPU, which the root's rusage does not")
    func treeProfile() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let cpuFile = "\(dir)/cpu"
        // The grandchild leaves the session, burns CPU, and writes the CPU seconds it used.
        let burn =
            "setsid perl -e 'for ($i = 0; $i < 2e7; $i++) {} ($u, $s) = times; "
            + "open(F, \">\(cpuFile)\"); print F $u + $s' &"
        let process = NativeProcess(.name("sh"), arguments: ["-c", "\(burn) exit 0"], timeout: .seconds(30))
        let result = try process.run()
        let tree = try #require(result.profile.tree)
        let grandchildSeconds = try #require(ProcessCensus.readSmallFile(cpuFile).flatMap(Double.init))
        let grandchild = UInt64(grandchildSeconds * 1e9)
        let treeCPU = tree.userCPUNanoseconds + tree.systemCPUNanoseconds
        let rootCPU = result.profile.userCPUNanoseconds + result.profile.systemCPUNanoseconds
        #expect(grandchild >= 100_000_000, "the grandchild burnt \(grandchild) ns")
        // times() counts in clock ticks (10 ms): the tree's figure, in µs, includes all of it.
        #expect(treeCPU + 10_000_000 >= grandchild, "tree \(treeCPU) ns, grandchild \(grandchild) ns")
        #expect(rootCPU < grandchild, "root \(rootCPU) ns, grandchild \(grandchild) ns")
        // On this hybrid host the peak memory comes from a v1 memory cgroup, which a run joins only
        // with a memory limit (it costs every spawn about 0.8 ms); the v2 cgroup has no memory.peak.
        #expect(tree.peakMemoryBytes == nil)
    }

    @Test("samples follow the cgroup: a setsid escapee is sampled after the root has exited")
    func samplesFollowTheCgroup() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let pidFile = "\(dir)/escapee.pid"
        // The escapee outlives the root by about 0.4 s: samples every 20 ms see it alone.
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "setsid sh -c 'echo $$ > \(pidFile); exec sleep 0.4' & exit 0"],
            timeout: .seconds(20))
        let events = process.withObserver(ObserverConfig.lifecycle().sampling(every: .milliseconds(20)))
        let result = try process.run()
        let escapee = try #require(ProcessCensus.readSmallFile(pidFile).flatMap { Int32($0.dropLast()) })
        let samples = events.collect().compactMap { event -> PerfSample? in
            if case .sample(let sample) = event.kind { return sample }
            return nil
        }
        let alone = samples.filter { $0.processes.map(\.processID) == [escapee] }
        #expect(
            alone.count >= 5,
            "\(samples.count) samples, \(alone.count) with the escapee alone; containment \(result.profile.containment ?? "none")"
        )
        // The same pid is `sh` until it execs `sleep`.
        #expect(alone.allSatisfy { $0.processCount == 1 })
        #expect(alone.last?.processes.first?.name == "sleep")
        #expect(result.profile.sampleCount == samples.count)
    }

    @Test("200 spawn and wait cycles leave no cgroup directory behind")
    func noDirectoriesLeft() throws {
        let owner = try #require(Self.ownerDirectory)
        let parent = String(owner.prefix(owner.count - CgroupOwner.ownName.count - 1))
        ObserverCleanup.waitForReleases()
        let others = { try Syscall.directoryNames(parent).filter { $0 != Array(CgroupOwner.ownName.utf8) }.count }
        let before = try others()
        for _ in 0..<200 {
            let result = try NativeProcess(.name("true"), timeout: .seconds(10)).run()
            #expect(result.profile.containment == "cgroup2")
        }
        ObserverCleanup.waitForReleases()
        #expect(Self.leftoverRuns(owner) == [])
        #expect(try others() == before)
    }

    @Test("a dead owner's cgroup is found, its processes ended and its directories removed")
    func reapsLeftovers() throws {
        let layout = CgroupLayout.current()
        let parent = try #require(layout.unified?.directory)
        // An owner name whose pid runs with another start time: a reused pid, so the owner is gone.
        let dead = "obs.1.999999999999"
        let run = "\(parent)/\(dead)/run.1"
        try Syscall.makeDirectory("\(parent)/\(dead)")
        try Syscall.makeDirectory(run)
        let sleeper = NativeProcess(.name("sleep"), arguments: ["100"], containment: .processGroup)
        let running = try sleeper.spawn()
        try Syscall.writeFile(run + "/cgroup.procs", "\(running.processID)")
        #expect(CgroupOwner.reapLeftovers(in: [parent]) == 1)
        #expect(running.wait().status == .signaled(signal: SIGKILL, coreDumped: false))
        #expect(!Syscall.exists(run))
        #expect(!Syscall.exists("\(parent)/\(dead)"))
    }
}
