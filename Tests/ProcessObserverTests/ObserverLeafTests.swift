import Glibc
import Testing

@testable import ProcessObserver

/// The observer moving into a leaf of its own so that its cgroup can pass a v2 controller down
/// (cgroup v2 allows no process in a non-root cgroup that enables a domain controller), on this
/// machine's real hierarchy. The memory, pids and io controllers are v1 hierarchies here; the
/// v2 hierarchy has hugetlb, a domain controller under the same rule, so the tests ask the owner
/// for that one. The test process moves itself into a cgroup of its own for the test (the v2
/// root, where it is, allows internal processes) and back: the suite runs as the project runs its
/// tests, `swift test --no-parallel`, where no other test looks at the process's cgroup meanwhile.
@Suite("Containment: the observer's own leaf", .serialized)
struct ObserverLeafTests {
    static let controller = "hugetlb"

    /// A cgroup for the test under the v2 root, with the controller available, the test process
    /// in it; undone by `close()`.
    final class Scratch {
        let root: String
        let original: String
        let own: String
        let cgroupPath: String
        private let enabledAtRoot: Bool

        init() throws {
            let layout = CgroupLayout.current()
            let unified = try #require(layout.unified)
            root = unified.mountPoint
            original = unified.directory
            let rootHas = CgroupFS.controllers(in: root)
            try #require(
                rootHas.contains(ObserverLeafTests.controller), "the v2 root has no \(ObserverLeafTests.controller)")
            enabledAtRoot = !CgroupFS.subtreeControl(in: root).contains(
                ObserverLeafTests.controller)
            if enabledAtRoot {
                try Syscall.writeFile(root + "/cgroup.subtree_control", "+" + ObserverLeafTests.controller)
            }
            cgroupPath = "/obs-leaf-test.\(getpid())"
            own = root + cgroupPath
            try Syscall.makeDirectory(own)
            try Syscall.writeFile(own + "/cgroup.procs", "\(getpid())")
        }

        func close() {
            try? Syscall.writeFile(original + "/cgroup.procs", "\(getpid())")
            // The spawn helper, if one was started while we were here, goes back with us.
            if let helper = SpawnHelper.status.processID {
                try? Syscall.writeFile(original + "/cgroup.procs", "\(helper)")
            }
            try? Syscall.removeDirectory(own)
            if enabledAtRoot {
                try? Syscall.writeFile(root + "/cgroup.subtree_control", "-" + ObserverLeafTests.controller)
            }
        }

        /// This process's layout now, without the v1 hierarchies (the shared owner's there).
        var layout: CgroupLayout {
            var layout = CgroupLayout.current()
            layout.v1 = [:]
            return layout
        }

        var passedDown: Set<String> { CgroupFS.subtreeControl(in: own) }
    }

    /// This process's v2 cgroup path now.
    static func ownCgroup() -> String? {
        (ProcFS.readText("/proc/self/cgroup") ?? "").split(separator: "\n").first { $0.hasPrefix("0::") }
            .map { String($0.dropFirst(3)) }
    }

    /// A `sleep 30` of ours, moved into `cgroup`: another process sharing the observer's cgroup.
    static func sleeper(in cgroup: String) throws -> pid_t {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("sleep"), strdup("30"), nil]
        defer { for arg in argv { free(arg) } }
        try #require(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        do {
            try Syscall.writeFile(cgroup + "/cgroup.procs", "\(pid)")
        } catch {
            end(pid)
            throw error
        }
        return pid
    }

    /// Kills and reaps a `sleeper`.
    static func end(_ pid: pid_t) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    @Test("alone in its cgroup, the observer moves into a leaf, enables the controller for the runs, and moves back")
    func movesAndReturns() throws {
        let scratch = try Scratch()
        defer { scratch.close() }
        #expect(Self.ownCgroup() == scratch.cgroupPath)
        let owner = try CgroupOwner.make(layout: scratch.layout, controllers: [Self.controller]).get()
        // The probe run went in and came back.
        #expect(owner.movedForControllers == [Self.controller])
        #expect(owner.controllerNote == nil)
        #expect(Self.ownCgroup() == scratch.cgroupPath)
        #expect(!scratch.passedDown.contains(Self.controller))

        let run = try owner.makeRunCgroup()
        let ownerName = String(owner.directory.split(separator: "/").last!)
        #expect(Self.ownCgroup() == scratch.cgroupPath + "/" + ownerName + "/observer")
        #expect(scratch.passedDown.contains(Self.controller))
        #expect(run.controllers == [Self.controller])
        #expect(CgroupFS.controllers(in: run.directory) == [Self.controller])
        owner.finished(run)
        owner.waitForReleases()

        #expect(Self.ownCgroup() == scratch.cgroupPath)
        #expect(!scratch.passedDown.contains(Self.controller))
        #expect(!Syscall.exists(owner.directory))
    }

    @Test("with another process in its cgroup, the observer stays, and says why the controller is unavailable")
    func staysWhenNotAlone() throws {
        let scratch = try Scratch()
        defer { scratch.close() }
        let pid = try Self.sleeper(in: scratch.own)
        defer { Self.end(pid) }

        let owner = try CgroupOwner.make(layout: scratch.layout, controllers: [Self.controller]).get()
        let run = try owner.makeRunCgroup()
        #expect(Self.ownCgroup() == scratch.cgroupPath)
        #expect(owner.movedForControllers == [])
        #expect(run.controllers == [])
        #expect(
            owner.controllerNote
                == "the observer's cgroup \(scratch.own) holds 1 other process, and cgroup v2 passes no controller down from a cgroup with processes in it (no internal processes)"
        )
        owner.finished(run)
        owner.waitForReleases()
        #expect(!Syscall.exists(owner.directory))
    }

    @Test("the watchdog in the observer's cgroup does not keep it from moving: it moves into the leaf and back with it")
    func companionMoves() throws {
        let scratch = try Scratch()
        defer { scratch.close() }
        let pid = try Self.sleeper(in: scratch.own)
        defer { Self.end(pid) }
        let leafDirectory = scratch.own + "/observer"

        let outcome = ObserverLeaf.enable(
            [Self.controller], in: scratch.own, leafDirectory: leafDirectory, companions: [pid])
        let leaf = try #require(outcome.leaf)
        #expect(outcome.enabled == [Self.controller])
        #expect(outcome.note == nil)
        #expect(CgroupFS.processes(in: leafDirectory)?.processIDs.sorted() == [getpid(), pid].sorted())
        #expect(scratch.passedDown.contains(Self.controller))

        #expect(leaf.leave())
        #expect(CgroupFS.processes(in: scratch.own)?.processIDs.sorted() == [getpid(), pid].sorted())
        #expect(!scratch.passedDown.contains(Self.controller))
        #expect(!Syscall.exists(leafDirectory))
    }
}
