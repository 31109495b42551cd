import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// obsctl run without privileges (`setpriv` to uid/gid 65534, no capabilities): the real probe
/// says why eBPF cannot load, and lifecycle observation still works.
@Suite("obsctl without privileges, end to end")
struct UnprivilegedEndToEndTests {
    static let privilegeReason = "bpf() needs CAP_BPF and CAP_PERFMON (or root), and this process has neither"

    @Test("capabilities --json: file, network and process unavailable with the privilege reason and remedy")
    func capabilities() throws {
        let run = try ObsctlRunner.run(["capabilities", "--json"], launch: .unprivileged)
        #expect(run.exitCode == 0)
        #expect(run.err.isEmpty)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [[String: Any]])
        #expect(
            array.map { $0["category"] as? String } == [
                "lifecycle", "file", "network", "process", "sampling", "containment",
            ])
        #expect(array[0]["support"] as? String == "supported")
        for object in array[1...3] {
            #expect(object["support"] as? String == "unavailable")
            #expect(object["backend"] as? String == "ebpf")
            let reason = try #require(object["reason"] as? String)
            #expect(reason.hasPrefix(Self.privilegeReason))
            #expect(reason.contains("CAP_BPF") && reason.contains("CAP_PERFMON"))
            #expect(
                object["remedy"] as? String
                    == "Run as root, or grant CAP_BPF and CAP_PERFMON (for example setcap cap_bpf,cap_perfmon+ep on the binary)"
            )
        }
        #expect(array[4]["support"] as? String == "supported")
        // No cgroup may be made as nobody here: runs fall back to the process group, said so.
        #expect(array[5]["support"] as? String == "partial")
        #expect(array[5]["backend"] as? String == "process-group")
        #expect((array[5]["reason"] as? String)?.contains("(mkdir: EACCES)") == true)
        #expect(
            array[5]["remedy"] as? String
                == "Run as root, or in a cgroup delegated to this user (for example systemd-run --user --scope -p "
                + "Delegate=yes obsctl …)")
    }

    @Test("watch --categories lifecycle -- true: exit 0, started, exited, profile, no warning")
    func lifecycleWorks() throws {
        let run = try ObsctlRunner.run(
            ["watch", "--json", "--interval", "0", "--categories", "lifecycle", "--", "true"], launch: .unprivileged)
        #expect(run.exitCode == 0)
        let events = try ObsctlRunner.events(run.lines)
        #expect(events.map(\.kind) == ["started", "exited", "profile"])
        #expect(events[0]["argv"] as? [String] == ["true"])
        #expect(events[1]["exit_code"] as? Int == 0)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        #expect(!run.err.contains("warning"))
    }

    @Test("watch with default categories says once, on one line, which categories are left out and why")
    func defaultSaysWhatIsLeftOut() throws {
        let run = try ObsctlRunner.run(
            ["watch", "--json", "--interval", "0", "--", "sh", "-c", "exit 3"], launch: .unprivileged)
        #expect(run.exitCode == 3)
        #expect(try ObsctlRunner.events(run.lines).map(\.kind) == ["started", "exited", "profile"])
        let lines = run.err.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines.first.map(String.init)?.hasPrefix(
                "obsctl: note: not observing file, network, process: "
                    + Self.privilegeReason) == true)
        #expect(lines.first?.hasSuffix("(obsctl capabilities says more; --categories lifecycle silences this)") == true)
        #expect(lines.filter { $0.hasPrefix("obsctl: note:") }.count == 1)
        #expect(lines[1].hasPrefix("obsctl: sh: exit code 3 after "))
        #expect(!run.err.contains("warning"))
    }

    @Test("watch --pid needs eBPF: exit 1 with the privilege reason")
    func attachNeedsEBPF() throws {
        let shell = try HeldShell(script: "read x")
        defer {
            shell.release()
            _ = shell.reap()
        }
        let run = try ObsctlRunner.run(["watch", "--pid", "\(shell.pid)"], launch: .unprivileged)
        #expect(run.exitCode == 1)
        #expect(
            run.err.hasPrefix(
                "obsctl: Attaching to process \(shell.pid) failed: the eBPF backend, which reports the exit of a process "
                    + "that is not our child, is unavailable: " + Self.privilegeReason))
        #expect(run.stdout.isEmpty)
        #expect(shell.isRunning)
    }
}
