import Foundation
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// An observer killed with SIGKILL takes its runs' whole trees with it, within a second, and
/// leaves no cgroup in any hierarchy: its watchdog (`ObserverWatchdog`) does it, without waiting
/// for another observer. Through the real binaries: obsctl, and obsbench as a library user.
///
/// "Ended" is checked through pidfds (readable once the process has exited), not `kill(pid, 0)`:
/// the processes are re-parented to PID 1, and PID 1 on these machines reaps its zombies up to
/// 1.5 s late.
@Suite("An observer killed with SIGKILL", .serialized)
struct ObserverDeathTests {
    /// A tree with a `setsid` daemon and a grandchild that ignores SIGINT; the pid files and
    /// `ready` are written in `dir`, and the root prints `ready` and then sleeps.
    static func treeScript(in dir: String) throws -> String {
        let ignoring = dir + "/ignoring.sh"
        try """
        trap "" INT
        echo $$ > \(dir)/grandchild
        exec sleep 1000
        """.write(toFile: ignoring, atomically: true, encoding: .utf8)
        let tree = dir + "/tree.sh"
        try """
        #!/bin/sh
        setsid sleep 1000 > /dev/null 2>&1 &
        echo $! > \(dir)/daemon
        middle() { sh \(ignoring) & wait; }
        middle &
        while [ ! -s \(dir)/grandchild ]; do sleep 0.01; done
        echo $$ > \(dir)/root
        echo ready > \(dir)/ready
        echo ready
        exec sleep 1000
        """.write(toFile: tree, atomically: true, encoding: .utf8)
        #expect(chmod(tree, 0o755) == 0)
        return tree
    }

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("obs-death-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func pid(in file: String) throws -> Int32 {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Waits (bounded, 10 s, on the shell's pace) until `file` exists.
    static func waitForFile(_ file: String) -> Bool {
        for _ in 0..<1000 {
            if FileManager.default.fileExists(atPath: file) { return true }
            usleep(10_000)
        }
        return false
    }

    /// The processes named `obs-watchdog` now.
    static func watchdogs() -> Set<Int32> {
        Set(
            ProcFS.numericEntries("/proc").compactMap(ProcFS.stat).filter {
                $0.command == Array("obs-watchdog".utf8) && $0.state != UInt8(ascii: "Z")
            }.map(\.processID))
    }

    /// The parents of an observer's owner directories when it runs in this process's cgroups:
    /// the v2 one and each v1 one it may use.
    static func ownerParents() throws -> [String] {
        let layout = CgroupLayout.current()
        let unified = try #require(layout.unified?.directory)
        return [unified] + CgroupOwner.v1Controllers.compactMap { layout.v1[$0]?.directory }
    }

    /// `obs.<pid>.*` directories under `parents`.
    static func ownerDirectories(of pid: Int32, under parents: [String]) -> [String] {
        parents.flatMap { parent in
            ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter {
                $0.hasPrefix("obs.\(pid).")
            }
            .map { parent + "/" + $0 }
        }
    }

    /// Starts `obsbench spawn-worker` (a library user) spawning `program` once as `variant`.
    static func startWorker(variant: String, program: String) throws -> Process {
        let obsbench = URL(fileURLWithPath: ObsctlRunner.binary).deletingLastPathComponent()
            .appendingPathComponent("obsbench").path
        try #require(
            FileManager.default.isExecutableFile(atPath: obsbench), "no obsbench next to \(ObsctlRunner.binary)")
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: obsbench)
        worker.arguments = ["spawn-worker", "--variant", variant, "--spawns", "1", "--program", program]
        worker.standardOutput = FileHandle.nullDevice
        try worker.run()
        return worker
    }

    /// Kills `observer` with SIGKILL, then expects every process of `tree` and the observer's new
    /// watchdogs to exit, and its owner directories to go, within one second of the kill.
    static func killAndCheck(observer: Int32, tree: [String: Int32], watchdogs: Set<Int32>, parents: [String])
        throws
    {
        var pidfds: [(String, FileDescriptor)] = []
        for (name, pid) in tree.sorted(by: { $0.key < $1.key }) {
            pidfds.append((name, try Syscall.pidfdOpen(pid)))
        }
        for pid in watchdogs { pidfds.append(("watchdog \(pid)", try Syscall.pidfdOpen(pid))) }
        defer { for (_, fd) in pidfds { try? fd.close() } }
        let deadline = Clock.monotonicNs() + 1_000_000_000
        #expect(kill(observer, SIGKILL) == 0)
        for (name, fd) in pidfds {
            let left = max(0, Int64(deadline) - Int64(Clock.monotonicNs())) / 1_000_000
            var p = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
            #expect(poll(&p, 1, Int32(left)) == 1, "\(name) was still running one second after the observer died")
        }
        var left = ownerDirectories(of: observer, under: parents)
        while !left.isEmpty && Clock.monotonicNs() < deadline {
            usleep(5_000)
            left = ownerDirectories(of: observer, under: parents)
        }
        #expect(left == [], "cgroups left one second after the observer died")
        // Whatever is not gone now would be ended by the next observer: end it, not to harm the next test.
        for pid in tree.values { kill(pid, SIGKILL) }
    }

    @Test("obsctl watch with limits: a setsid daemon and a SIGINT-ignoring grandchild end within 1 s; no cgroup left")
    func obsctlKilled() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try Self.treeScript(in: dir)
        let parents = try Self.ownerParents()
        let before = Self.watchdogs()
        // The limits make the run join the v1 memory, pids and cpu hierarchies of this hybrid host.
        let obsctl = try ObsctlRunner.start(
            [
                "watch", "--interval", "0", "--categories", "lifecycle", "--memory-max", "256M", "--pids-max", "64",
                "--cpu-max", "1", "-o", "/dev/null", "--", script,
            ].map { Array($0.utf8) })
        #expect(obsctl.readStdoutLine(containing: "ready") == "ready")
        let tree = [
            "root": try Self.pid(in: "\(dir)/root"), "daemon": try Self.pid(in: "\(dir)/daemon"),
            "grandchild": try Self.pid(in: "\(dir)/grandchild"),
        ]
        let watchdogs = Self.watchdogs().subtracting(before)
        #expect(watchdogs.count == 1)
        let owners = Self.ownerDirectories(of: obsctl.pid, under: parents)
        #expect(owners.count == parents.count, "owner directories before the kill: \(owners)")
        try Self.killAndCheck(observer: obsctl.pid, tree: tree, watchdogs: watchdogs, parents: parents)
        let run = obsctl.finish()
        #expect(run.termSignal == SIGKILL)
    }

    @Test("a library user (obsbench spawn-worker) killed mid-run: its tree ends within 1 s; no cgroup left")
    func libraryUserKilled() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try Self.treeScript(in: dir)
        let parents = try Self.ownerParents()
        let before = Self.watchdogs()
        let worker = try Self.startWorker(variant: "native", program: script)
        try #require(Self.waitForFile("\(dir)/ready"), "the tree did not start")
        let tree = [
            "root": try Self.pid(in: "\(dir)/root"), "daemon": try Self.pid(in: "\(dir)/daemon"),
            "grandchild": try Self.pid(in: "\(dir)/grandchild"),
        ]
        let watchdogs = Self.watchdogs().subtracting(before)
        #expect(watchdogs.count == 1)
        #expect(Self.ownerDirectories(of: worker.processIdentifier, under: parents).count >= 1)
        try Self.killAndCheck(
            observer: worker.processIdentifier, tree: tree, watchdogs: watchdogs, parents: parents)
        worker.waitUntilExit()
        #expect(worker.terminationReason == .uncaughtSignal)
        #expect(worker.terminationStatus == SIGKILL)
    }

    @Test(
        "a library user whose runs have no cgroup (containment .processGroup), killed: the run's process group ends within 1 s"
    )
    func processGroupRunKilled() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try Self.treeScript(in: dir)
        let before = Self.watchdogs()
        let worker = try Self.startWorker(variant: "native-nocg", program: script)
        try #require(Self.waitForFile("\(dir)/ready"), "the tree did not start")
        // The process group is what such a run controls: the root and the SIGINT-ignoring
        // grandchild are in it; the setsid daemon left it, as process-group containment documents.
        let tree = ["root": try Self.pid(in: "\(dir)/root"), "grandchild": try Self.pid(in: "\(dir)/grandchild")]
        let daemon = try Self.pid(in: "\(dir)/daemon")
        defer { kill(daemon, SIGKILL) }
        let root = try #require(ProcFS.stat(tree["root"]!))
        #expect(root.processGroupID == tree["root"], "the run's root leads its own process group")
        let watchdogs = Self.watchdogs().subtracting(before)
        #expect(watchdogs.count == 1)
        try Self.killAndCheck(observer: worker.processIdentifier, tree: tree, watchdogs: watchdogs, parents: [])
        worker.waitUntilExit()
        #expect(worker.terminationStatus == SIGKILL)
    }
}
