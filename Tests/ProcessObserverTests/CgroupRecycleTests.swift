import Glibc
import Testing

@testable import ProcessObserver

/// A finished run's cgroup serves the next run when nothing of the first can show in it, on this
/// machine's real cgroups (the v2 run cgroups here have no controller, so every plain run's cgroup
/// qualifies); one that held a nested cgroup or a limit is removed instead.
@Suite("Containment: run cgroups handed on", .serialized)
struct CgroupRecycleTests {
    static func owner() throws -> CgroupOwner {
        guard case .success(let owner) = CgroupOwner.shared else { throw CgroupRecycleError.noOwner }
        return owner
    }

    enum CgroupRecycleError: Error { case noOwner }

    /// Runs `script` in sh, returns its v2 cgroup (from its /proc/self/cgroup) and the result.
    static func run(_ script: String, limits: ResourceLimits = .none) throws -> (cgroup: String, result: ProcessResult)
    {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "sed -n 's/^0:://p' /proc/self/cgroup; " + script],
            standardOutput: .capture(maxBytes: 4096), timeout: .seconds(20))
        process.limits = limits
        let result = try process.run()
        let text = String(decoding: result.standardOutput ?? [], as: UTF8.self)
        return (String(text.split(separator: "\n").first ?? ""), result)
    }

    /// The directory of a v2 cgroup path, under the v2 mount.
    static func directory(of cgroup: String) throws -> String {
        let mount = try #require(CgroupLayout.current().unified?.mountPoint)
        return mount + cgroup
    }

    @Test("the next run gets the cgroup the last one left, and its tree CPU starts from zero")
    func handedOn() throws {
        let owner = try Self.owner()
        let busy = try Self.run("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
        owner.waitUntilReleased()
        #expect(owner.spareDirectories.last == (try Self.directory(of: busy.cgroup)))
        let quiet = try Self.run("exit 0")
        #expect(quiet.cgroup == busy.cgroup)
        let busyTree = try #require(busy.result.profile.tree)
        let quietTree = try #require(quiet.result.profile.tree)
        let busyCPU = busyTree.userCPUNanoseconds + busyTree.systemCPUNanoseconds
        let quietCPU = quietTree.userCPUNanoseconds + quietTree.systemCPUNanoseconds
        #expect(busyCPU >= 100_000_000, "\(busyTree)")
        // sh and sed, not the loop before them.
        #expect(quietCPU < 50_000_000, "\(quietTree)")
        ObserverCleanup.waitForReleases()
        #expect(!Syscall.exists(try Self.directory(of: busy.cgroup)))
    }

    @Test("the samples of a run in a handed-on cgroup count its CPU from zero, not the last run's")
    func samplesFromZero() throws {
        let owner = try Self.owner()
        let busy = try Self.run("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
        owner.waitUntilReleased()
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "sed -n 's/^0:://p' /proc/self/cgroup; sleep 0.35"],
            standardOutput: .capture(maxBytes: 4096), timeout: .seconds(20))
        let events = process.withObserver(ObserverConfig.lifecycle().sampling(every: .milliseconds(100)))
        let result = try process.run()
        #expect(String(decoding: result.standardOutput ?? [], as: UTF8.self) == busy.cgroup + "\n")
        let totals = events.collect().compactMap { event -> CgroupTotals? in
            if case .sample(let sample) = event.kind { sample.cgroup } else { nil }
        }
        #expect(totals.count >= 2, "\(totals.count) samples")
        // The busy run used ≥ 0.1 s; sh, sed and sleep use a few ms. (Not the first sample's
        // percent: over the few ms since the run started it can exceed 100 with two cores.)
        #expect(totals.allSatisfy { $0.cpuNanoseconds < 50_000_000 }, "\(totals)")
        ObserverCleanup.waitForReleases()
    }

    @Test("a cgroup that held a nested cgroup is removed with it, not handed on")
    func nestedIsRemoved() throws {
        let owner = try Self.owner()
        let mount = try #require(CgroupLayout.current().unified?.mountPoint)
        let nesting = try Self.run("mkdir \"\(mount)$(sed -n 's/^0:://p' /proc/self/cgroup)/nested\"")
        #expect(nesting.result.status == .exited(code: 0))
        owner.waitUntilReleased()
        let directory = try Self.directory(of: nesting.cgroup)
        #expect(!Syscall.exists(directory))
        #expect(!owner.spareDirectories.contains(directory))
        let next = try Self.run("exit 0")
        #expect(next.cgroup != nesting.cgroup)
        ObserverCleanup.waitForReleases()
    }

    @Test("a cgroup a limit was written to is removed, not handed on")
    func limitedIsRemoved() throws {
        let owner = try Self.owner()
        let limited = try Self.run("exit 0", limits: ResourceLimits(processCount: 50))
        #expect(limited.result.status == .exited(code: 0))
        owner.waitUntilReleased()
        let directory = try Self.directory(of: limited.cgroup)
        #expect(!Syscall.exists(directory))
        #expect(!owner.spareDirectories.contains(directory))
        ObserverCleanup.waitForReleases()
    }
}
