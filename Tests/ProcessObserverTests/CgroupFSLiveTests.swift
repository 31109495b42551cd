import SystemPackage
import Testing

@testable import ProcessObserver

/// `CgroupFS` against real cgroups of this machine: a v2 cgroup made under this process's own
/// (and, on a hybrid host, a v1 memory and a v1 pids cgroup), read empty, with one process in it,
/// with a cgroup nested in it, and after `cgroup.kill`. The expected values come from what the
/// test did: which pid it moved in, how many cgroups it nested.
@Suite("cgroup files read live", .serialized)
struct CgroupFSLiveTests {
    @Test("a fresh cgroup, one process in it, a nested cgroup, then killed: each file reads what was done")
    func liveCgroup() throws {
        let layout = CgroupLayout.current()
        let own = try #require(layout.unified?.directory)
        let name = "obs-cgfs-test.\(Syscall.processID())"
        let v2 = own + "/" + name
        try Syscall.makeDirectory(v2)
        defer { RunCgroup.removeTree(v2) }
        var v1: [String: String] = [:]
        for controller in ["memory", "pids"] {
            guard let parent = layout.v1[controller]?.directory,
                (try? Syscall.makeDirectory(parent + "/" + name)) != nil
            else { continue }
            v1[controller] = parent + "/" + name
        }
        defer { for directory in v1.values { try? Syscall.removeDirectory(directory) } }

        // Empty and fresh: every counter at zero.
        #expect(CgroupFS.events(in: v2) == CgroupEvents(populated: false, frozen: false))
        #expect(CgroupFS.processes(in: v2)?.processIDs == [])
        #expect(CgroupFS.stat(in: v2)?.descendants == 0)
        #expect(CgroupFS.cpuStat(in: v2)?.usageMicroseconds == 0)
        #expect(CgroupFS.controllers(in: v2) == CgroupFS.subtreeControl(in: own))
        if let pids = v1["pids"] {
            #expect(CgroupFS.pidsCurrent(in: pids) == 0)
            #expect(CgroupFS.pidsEvents(in: pids)?.refusedForks == 0)
        }
        if let memory = v1["memory"] {
            #expect(CgroupFS.memoryUsageInBytes(in: memory) == 0)
            #expect(CgroupFS.memoryMaxUsageInBytes(in: memory) == 0)
            #expect(CgroupFS.oomControl(in: memory)?.oomKills == 0)
            #expect(CgroupFS.oomControl(in: memory)?.underOOM == false)
        }

        // One process, which moves itself into each cgroup, then becomes sleep.
        let joins = ([v2] + v1.values.sorted()).map { "echo $$ > \(CgroupFile.procs.path(in: $0))" }
        let running = try NativeProcess(
            .path("/bin/sh"), arguments: ["-c", joins.joined(separator: " && ") + " && exec sleep 30"],
            standardOutput: .null, timeout: .seconds(30), containment: .processGroup
        ).spawn()
        let pid = running.processID
        for _ in 0..<500 where ProcFS.comm(pid) != ByteString("sleep") { Syscall.sleep(milliseconds: 10) }
        try #require(ProcFS.comm(pid) == ByteString("sleep"), "the child never became sleep")
        #expect(CgroupFS.processes(in: v2)?.processIDs == [pid])
        #expect(CgroupFS.allProcesses(under: v2) == [pid])
        #expect(CgroupFS.events(in: v2) == CgroupEvents(populated: true, frozen: false))
        let events = try FileDescriptor.open(FilePath(CgroupFile.events.path(in: v2)), .readOnly)
        #expect(CgroupFS.events(through: events) == CgroupEvents(populated: true, frozen: false))
        #expect((CgroupFS.cpuStat(in: v2)?.usageMicroseconds ?? 0) > 0)
        if let pids = v1["pids"] { #expect(CgroupFS.pidsCurrent(in: pids) == 1) }
        if let memory = v1["memory"] {
            let now = try #require(CgroupFS.memoryUsageInBytes(in: memory))
            #expect(now > 0)
            #expect(try #require(CgroupFS.memoryMaxUsageInBytes(in: memory)) >= now)
        }

        // A nested cgroup counts in cgroup.stat, and its process in the walk.
        let nested = v2 + "/nested"
        try Syscall.makeDirectory(nested)
        #expect(CgroupFS.stat(in: v2)?.descendants == 1)
        try Syscall.writeFile(CgroupFile.procs.path(in: nested), "\(pid)")
        #expect(CgroupFS.processes(in: v2)?.processIDs == [])
        #expect(CgroupFS.allProcesses(under: v2) == [pid])
        #expect(CgroupFS.events(in: v2)?.populated == true)

        // Killed: empty again, the change readable through the kept descriptor too.
        try Syscall.writeFile(CgroupFile.kill.path(in: v2), "1")
        _ = running.wait()
        RunCgroup.waitUntilEmpty(v2, seconds: 5)
        #expect(CgroupFS.events(in: v2) == CgroupEvents(populated: false, frozen: false))
        #expect(CgroupFS.events(through: events) == CgroupEvents(populated: false, frozen: false))
        #expect(CgroupFS.allProcesses(under: v2) == [])
        if let pids = v1["pids"] { #expect(CgroupFS.pidsCurrent(in: pids) == 0) }
        try? events.close()
    }
}
