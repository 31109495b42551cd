import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

/// `AttachedCgroup`: the kernel observes a cgroup's tasks by ancestry, and nothing in it is
/// signalled. Each test makes a cgroup of its own under this process's v2 cgroup and removes it.
@Suite("Attaching to a cgroup", .serialized)
struct CgroupAttachTests {
    /// A fresh cgroup v2 under the test process's own, and a scratch directory.
    final class Scratch {
        let cgroup: String
        let directory: String
        private var started: [RunningProcess] = []

        init(_ tag: String) throws {
            let own = try #require(CgroupLayout.current().unified).directory
            cgroup = own + "/obs-test-\(tag).\(Syscall.processID())"
            try Syscall.makeDirectory(cgroup)
            directory = makeTemporaryDirectory(tag)
        }

        /// Starts `script` under `sh -c`, outside any run cgroup (process group only), so the
        /// script can move itself where the test wants.
        func start(_ script: String) throws -> RunningProcess {
            let running = try NativeProcess(
                .path("/bin/sh"), arguments: ["-c", script], workingDirectory: FilePath(directory),
                standardOutput: .null, timeout: .seconds(30), containment: .processGroup
            ).spawn()
            started.append(running)
            return running
        }

        var members: [Int32] {
            (ProcFS.readText(cgroup + "/cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
        }

        /// Waits until `pid` is in the cgroup.
        func waitUntilMember(_ pid: Int32) throws {
            for _ in 0..<500 where !members.contains(pid) { Syscall.sleep(milliseconds: 10) }
            try #require(members.contains(pid), "process \(pid) never entered \(cgroup)")
        }

        func touch(_ name: String) {
            _ = try? NativeProcess(.path("/bin/touch"), arguments: [directory + "/" + name]).run()
        }

        deinit {
            for running in started { running.terminate() }
            for running in started { _ = running.wait() }
            RunCgroup.removeTree(cgroup)
            removeTree(directory)
        }
    }

    private func opens(of name: String, in events: [ObserverEvent], scratch: Scratch) -> [ObserverEvent] {
        events.filter { $0.openPayload?.absolutePath?.value == ByteString(scratch.directory + "/" + name) }
    }

    @Test(
        "a cgroup's processes are observed, one moved in later too, one outside never; the run ends when it empties",
        .requiresEBPF)
    func observesByAncestry() throws {
        let scratch = try Scratch("attach")
        let wait = "while [ ! -e go ]; do sleep 0.02; done"
        let inside = try scratch.start(
            "echo $$ > \(scratch.cgroup)/cgroup.procs; \(wait); for i in 1 2 3; do : < in.txt; done; exit 7")
        let later = try scratch.start("\(wait); : < later.txt; : < later.txt")
        let outside = try scratch.start("\(wait); for i in 1 2 3; do : < out.txt; done")
        for name in ["in.txt", "later.txt", "out.txt"] { scratch.touch(name) }
        try scratch.waitUntilMember(inside.processID)

        let target = AttachedCgroup(path: scratch.cgroup)
        let events = target.withObserver(.lifecycle(.file, .process))
        let attached = try target.attach()
        #expect(attached.processID == 0)
        #expect(attached.cgroupDirectory == scratch.cgroup)
        // Moved in after the attach: the ancestry check follows it from then on.
        try Syscall.writeFile(scratch.cgroup + "/cgroup.procs", "\(later.processID)")
        scratch.touch("go")

        let result = attached.wait()
        let all = events.collect()
        #expect(inside.wait().status == .exited(code: 7))
        #expect(later.wait().status == .exited(code: 0))
        #expect(outside.wait().status == .exited(code: 0))

        let started = all.filter { if case .started = $0.kind { true } else { false } }
        // The shell, and the `sleep` it may have been waiting in at that moment.
        #expect(started.first?.processID == inside.processID)
        #expect(started.dropFirst().allSatisfy { $0.parentProcessID == inside.processID }, "\(started)")
        #expect(started.count <= 2)
        #expect(opens(of: "in.txt", in: all, scratch: scratch).count == 3)
        #expect(opens(of: "in.txt", in: all, scratch: scratch).allSatisfy { $0.processID == inside.processID })
        #expect(opens(of: "later.txt", in: all, scratch: scratch).count == 2)
        #expect(opens(of: "out.txt", in: all, scratch: scratch).isEmpty)
        #expect(all.allSatisfy { $0.processID != outside.processID && $0.processID != Syscall.processID() })
        let exits: [Int32: ProcessObserver.ExitStatus] = Dictionary(
            all.compactMap { event in if case .exit(let end) = event.kind { (event.processID, end.status) } else { nil }
            },
            uniquingKeysWith: { first, _ in first })
        #expect(exits[inside.processID] == .exited(code: 7))
        #expect(exits[later.processID] == .exited(code: 0))
        // No root: no `exited`; the profile closes the stream, pid 0.
        #expect(!all.contains { if case .exited = $0.kind { true } else { false } })
        guard case .profile(let profile) = all.last?.kind else {
            Issue.record("the stream does not end with a profile")
            return
        }
        #expect(all.last?.processID == 0)
        #expect(result.status == AttachedRun.unknownStatus)
        #expect(profile.containment == nil)
        #expect(profile.tree != nil)
        #expect(result.leftoverTrackedProcesses.isEmpty)
    }

    @Test("stop() leaves every process of the cgroup running, unsignalled, and the cgroup as it was", .requiresEBPF)
    func stopSignalsNothing() throws {
        let scratch = try Scratch("attach-stop")
        // A trap on every catchable signal: any signal reaching it would end it with code 99.
        let held = try scratch.start(
            "echo $$ > \(scratch.cgroup)/cgroup.procs; trap 'exit 99' HUP INT QUIT TERM USR1 USR2 PIPE ALRM; "
                + "while [ ! -e done ]; do sleep 0.02; done; exit 5")
        try scratch.waitUntilMember(held.processID)
        let target = AttachedCgroup(path: scratch.cgroup)
        let events = target.withObserver(.lifecycle(.process))
        let attached = try target.attach()
        Syscall.sleep(milliseconds: 200)
        attached.stop()
        let result = attached.wait()
        _ = events.collect()
        #expect(result.status == AttachedRun.unknownStatus)
        #expect(held.isRunning)
        #expect(scratch.members.contains(held.processID))
        #expect(Syscall.exists(scratch.cgroup))
        scratch.touch("done")
        #expect(held.wait().status == .exited(code: 5))
    }

    @Test("names that are not a cgroup v2 are refused with the reason; an empty cgroup has nothing to observe")
    func refusals() throws {
        #expect(throws: ObserverError.self) { try AttachedCgroup(path: "/nonexistent/cgroup").attach() }
        do {
            _ = try AttachedCgroup(path: "/nonexistent/cgroup").attach()
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("no such cgroup v2"), "\(error.message)")
        }
        let scratch = try Scratch("attach-empty")
        do {
            _ = try AttachedCgroup(path: scratch.cgroup).attach()
            Issue.record("an empty cgroup was attached to")
        } catch {
            #expect(error.code == .processNotFound)
            #expect(error.message.contains("it holds no process"), "\(error.message)")
        }
        // The same cgroup, named by its path in the hierarchy as /proc/<pid>/cgroup shows it.
        let layout = CgroupLayout.current()
        let mount = try #require(layout.unified).mountPoint
        let inHierarchy = String(scratch.cgroup.dropFirst(mount.count))
        #expect(try ObservedCgroup.directory(of: inHierarchy, layout: layout) == scratch.cgroup)
        #expect(try ObservedCgroup.directory(of: scratch.cgroup + "/", layout: layout) == scratch.cgroup)
    }
}
