import Foundation
import ObserverTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl watch` with the eBPF categories, through the real built binary: a pipeline's process
/// tree, the start gate, `--pid`, and the machine's loaded-program count around runs.
@Suite("obsctl watch with eBPF, end to end")
struct WatchKernelEndToEndTests {
    @Test(
        "sh -c 'cat FILE | wc -l': exec events for sh, cat and wc, a ppid chain the fork events agree with, cat's open of FILE",
        .requiresEBPF)
    func pipeline() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-pipe-\(getpid()).txt")
        try Data("one\ntwo\nthree\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = "cat \(file.path) | wc -l"
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--", "sh", "-c", script].map { Array($0.utf8) })
        let run = obsctl.finish()
        #expect(run.exitCode == 0)
        #expect(run.err.hasPrefix("3\n"))  // wc's output: stderr in --json mode
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        let events = try ObsctlRunner.events(run.lines)
        let started = try #require(events.first { $0.kind == "started" })
        let sh = try #require(started.pid)
        #expect(started.ppid == Int(obsctl.pid))

        let execs = events.filter { $0.kind == "exec" }
        #expect(execs.count == 3)
        #expect(execs.allSatisfy { $0["result"] as? Int == 0 && $0.category == "process" })
        let shExec = try #require(execs.first { $0["comm"] as? String == "sh" })
        let catExec = try #require(execs.first { $0["comm"] as? String == "cat" })
        let wcExec = try #require(execs.first { $0["comm"] as? String == "wc" })
        #expect(shExec.pid == sh)
        #expect(shExec.ppid == Int(obsctl.pid))
        #expect(shExec["argv"] as? [String] == ["sh", "-c", script])
        #expect(catExec["argv"] as? [String] == ["cat", file.path])
        #expect(wcExec["argv"] as? [String] == ["wc", "-l"])
        #expect(catExec.path == "/usr/bin/cat" || catExec.path == "/bin/cat")
        #expect(wcExec.path == "/usr/bin/wc" || wcExec.path == "/bin/wc")
        let cat = try #require(catExec.pid)
        let wc = try #require(wcExec.pid)
        #expect(Set([sh, cat, wc]).count == 3)
        #expect(catExec.ppid == sh)
        #expect(wcExec.ppid == sh)

        // One fork per child, from sh, agreeing with the execs, and before them.
        let forks = events.filter { $0.kind == "fork" }
        #expect(Set(forks.compactMap(\.pid)) == [cat, wc])
        #expect(forks.count == 2)
        for fork in forks {
            #expect(fork.ppid == sh)
            #expect(fork["parent_pid"] as? Int == sh)
            #expect(fork["child_pid"] as? Int == fork.pid)
            let exec = fork.pid == cat ? catExec : wcExec
            #expect((fork.seq ?? .max) < (exec.seq ?? 0))
        }

        // cat opens FILE exactly once, successfully; nobody else opens it.
        let opens = events.filter { $0.kind == "open" && $0.path == file.path }
        #expect(opens.count == 1)
        #expect(opens.first?.pid == cat)
        #expect((opens.first?["result"] as? Int).map { $0 >= 0 } == true)
        #expect(opens.first?["fd"] as? Int == opens.first?["result"] as? Int)
        #expect((opens.first?["flags"] as? [String])?.first == "O_RDONLY")

        // Each of the three exits once; sh last, with the pipeline's code.
        let exits = events.filter { $0.kind == "exit" }
        #expect(exits.compactMap(\.pid).sorted() == [sh, cat, wc].sorted())
        #expect(exits.last?.pid == sh)
        #expect(exits.allSatisfy { $0["exit_code"] as? Int == 0 })
        #expect(events.suffix(2).map(\.kind) == ["exited", "profile"])
    }

    @Test(
        "the start gate: the first kernel events of a spawned cat are its exec, then the loader's open of /etc/ld.so.cache",
        .requiresEBPF)
    func startGate() throws {
        // Without LD_LIBRARY_PATH/LD_PRELOAD the loader's first open is its cache.
        let run = try ObsctlRunner.run(
            ["watch", "--json", "--interval", "0", "--categories", "file,process", "--", "cat", "/dev/null"],
            removing: ["LD_LIBRARY_PATH", "LD_PRELOAD"])
        #expect(run.exitCode == 0)
        let events = try ObsctlRunner.events(run.lines)
        let cat = try #require(events.first { $0.kind == "started" }?.pid)
        let kernel = events.filter { $0.category != "lifecycle" }
        try #require(kernel.count >= 2)
        #expect(kernel[0].kind == "exec")
        #expect(kernel[0].pid == cat)
        #expect(kernel[0]["argv"] as? [String] == ["cat", "/dev/null"])
        #expect(kernel[1].kind == "open")
        #expect(kernel[1].pid == cat)
        #expect(kernel[1].path == "/etc/ld.so.cache")
        #expect((kernel[1]["result"] as? Int).map { $0 >= 0 } == true)
        // And cat's own open of its argument comes later.
        let argumentOpen = try #require(events.first { $0.kind == "open" && $0.path == "/dev/null" })
        #expect((argumentOpen.seq ?? 0) > (kernel[1].seq ?? .max))
    }

    @Test(
        "--pid attaches to a running shell: after its release, cat's open of /etc/hostname, then its exit code 7 as obsctl's",
        .requiresEBPF)
    func attachByPID() throws {
        let shell = try HeldShell(script: "read x; cat /etc/hostname; exit 7")
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--pid", "\(shell.pid)"].map { Array($0.utf8) })
        // `started` is printed once the shell is tracked in the kernel.
        _ = try #require(obsctl.readStdoutLine(containing: "\"kind\":\"started\""))
        shell.release()
        let run = obsctl.finish()
        #expect(run.exitCode == 7)
        #expect(shell.reap() == 7)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")

        let events = try ObsctlRunner.events(run.lines)
        let started = try #require(events.first)
        #expect(started.kind == "started")
        #expect(started.pid == Int(shell.pid))
        #expect(started.ppid == Int(getpid()))
        #expect(started["argv"] as? [String] == ["sh", "-c", "read x; cat /etc/hostname; exit 7"])

        let catExec = try #require(events.first { $0.kind == "exec" && $0["comm"] as? String == "cat" })
        let cat = try #require(catExec.pid)
        #expect(catExec.ppid == Int(shell.pid))
        #expect(catExec["argv"] as? [String] == ["cat", "/etc/hostname"])
        #expect(events.filter { $0.kind == "fork" }.compactMap(\.pid) == [cat])
        let hostname = events.filter { $0.kind == "open" && $0.path == "/etc/hostname" }
        #expect(hostname.count == 1)
        #expect(hostname.first?.pid == cat)
        #expect((hostname.first?["result"] as? Int).map { $0 >= 0 } == true)

        let exits = events.filter { $0.kind == "exit" }
        #expect(exits.compactMap(\.pid) == [cat, Int(shell.pid)])
        #expect(exits.map { $0["exit_code"] as? Int } == [0, 7])
        #expect(events.suffix(2).map(\.kind) == ["exited", "profile"])
        #expect(events.suffix(2).map { $0["exit_code"] as? Int } == [7, 7])
        #expect(run.err.contains("obsctl: process \(shell.pid) (sh): exit code 7 after "))
    }

    @Test("--verbose echoes libbpf's log to stderr; without it libbpf stays quiet", .requiresEBPF)
    func verbose() throws {
        let arguments = ["watch", "--no-summary", "--interval", "0", "--categories", "file", "--", "true"]
        let loud = try ObsctlRunner.run(["watch", "--verbose"] + arguments.dropFirst())
        #expect(loud.exitCode == 0)
        let lines = loud.err.split(separator: "\n")
        #expect(lines.contains("libbpf: loading object 'observer' from buffer"))
        #expect(!loud.out.contains("libbpf"))
        let quiet = try ObsctlRunner.run(arguments)
        #expect(quiet.exitCode == 0)
        #expect(quiet.err.isEmpty)
    }

    @Test("--pid on a process that does not exist: a clear error and exit 1")
    func attachMissing() throws {
        // pid_max itself is never allocated (ids run from 1 to pid_max - 1).
        let pidMax = try #require(
            Int32(
                String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        let run = try ObsctlRunner.run(["watch", "--pid", "\(pidMax)"])
        #expect(run.exitCode == 1)
        #expect(
            run.err
                == "obsctl: Attaching to process \(pidMax) failed: it does not exist or has already exited (ESRCH). "
                + "Check the process id.\n")
        #expect(run.stdout.isEmpty)
    }

    @Test(
        "SIGINT to obsctl --pid stops observing: the process runs on, summary printed, exit 130, its BPF programs released",
        .requiresEBPF)
    func attachInterrupted() throws {
        let shell = try HeldShell(script: "read x; exit 4")
        let before = LoadedPrograms.ids()
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--pid", "\(shell.pid)"].map { Array($0.utf8) })
        _ = try #require(obsctl.readStdoutLine(containing: "\"kind\":\"started\""))
        let held = LoadedPrograms.held(by: obsctl.pid)
        #expect(!held.isEmpty)
        #expect(kill(obsctl.pid, SIGINT) == 0)
        let run = obsctl.finish()

        #expect(run.exitCode == 128 + SIGINT)
        let events = try ObsctlRunner.events(run.lines)
        #expect(events.map(\.kind) == ["started", "exited", "profile"])
        // The exit was not seen: the documented unknown status.
        #expect(events[1]["exit_code"] as? Int == -1)
        #expect(events[1]["signal"] is NSNull)
        #expect(run.err.contains("obsctl: process \(shell.pid) (sh): still running, stopped observing after "))
        #expect(run.err.contains("(obsctl received SIGINT)\n"))
        #expect(shell.isRunning)
        #expect(LoadedPrograms.settled { held.filter(LoadedPrograms.exists) } == [])
        #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: before) } == [])

        shell.release()
        #expect(shell.reap() == 4)
    }

    @Test(
        "the machine's loaded programs are back where they were after an obsctl run, and after SIGINT mid-run (programs other processes hold aside)",
        .requiresEBPF)
    func programsReleased() throws {
        let before = LoadedPrograms.ids()
        let plain = try ObsctlRunner.run(["watch", "--json", "--interval", "0", "--categories", "all", "--", "true"])
        #expect(plain.exitCode == 0)
        #expect(plain.err.contains("  process    "))
        #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: before) } == [])

        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--categories", "all", "--", "sleep", "30"].map { Array($0.utf8) })
        _ = try #require(obsctl.readStdoutLine(containing: "\"kind\":\"started\""))
        let held = LoadedPrograms.held(by: obsctl.pid)
        #expect(!held.isEmpty)
        #expect(held.isDisjoint(with: before))
        #expect(kill(obsctl.pid, SIGINT) == 0)
        let interrupted = obsctl.finish()
        #expect(interrupted.exitCode == 128 + SIGINT)
        #expect(interrupted.err.contains("(obsctl received SIGINT, forwarded)"))
        #expect(LoadedPrograms.settled { held.filter(LoadedPrograms.exists) } == [])
        #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: before) } == [])
    }
}
