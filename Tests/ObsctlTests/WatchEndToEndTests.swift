import Foundation
import ProcessObserver
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl watch` through the real built binary: exit codes, JSON Lines against the schema,
/// signals, hostile argv, closed pipes and `-o`.
@Suite("obsctl watch, end to end")
struct WatchEndToEndTests {
    @Test(
        "--json --categories lifecycle prints started, exited, profile as JSON Lines that validate against the schema")
    func jsonLinesValidate() throws {
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--categories", "lifecycle", "--", "sh", "-c", "exit 0"].map {
                Array($0.utf8)
            })
        let run = obsctl.finish()
        #expect(run.exitCode == 0)
        let events = try ObsctlRunner.events(run.lines)
        #expect(events.map { $0["kind"] as? String } == ["started", "exited", "profile"])
        #expect(events.map { $0["seq"] as? Int } == [1, 2, 3])
        #expect(events.allSatisfy { $0["category"] as? String == "lifecycle" })
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        #expect(events[0]["argv"] as? [String] == ["sh", "-c", "exit 0"])
        #expect(events[0]["path"] as? String == "/usr/bin/sh" || events[0]["path"] as? String == "/bin/sh")
        #expect(events[0]["ppid"] as? Int32 == obsctl.pid)
        #expect(events[1]["exit_code"] as? Int == 0)
        #expect(events[1]["signal"] is NSNull)
        #expect(events[2]["timed_out"] as? Bool == false)
        #expect(events[2]["lost_subscriber"] as? Int == 0)
    }

    @Test("with the default sampling interval every line still validates against the schema")
    func defaultOptionsValidate() throws {
        let run = try ObsctlRunner.run([
            "watch", "--json", "--", "sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done",
        ])
        #expect(run.exitCode == 0)
        let kinds = try ObsctlRunner.events(run.lines).map { $0["kind"] as? String }
        #expect(kinds.first == "started")
        #expect(kinds.suffix(2) == ["exited", "profile"])
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
    }

    @Test("exit codes: 0, 3, 127 for an unknown command, 126 for a non-executable, 128+9 for SIGKILL")
    func exitCodes() throws {
        #expect(try ObsctlRunner.run(["watch", "--no-summary", "--", "true"]).exitCode == 0)
        #expect(try ObsctlRunner.run(["watch", "--no-summary", "--", "sh", "-c", "exit 3"]).exitCode == 3)

        let missing = try ObsctlRunner.run(["watch", "--", "obsctl-no-such-command"])
        #expect(missing.exitCode == 127)
        #expect(missing.err == "obsctl: obsctl-no-such-command: command not found\n")
        #expect(missing.stdout.isEmpty)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-noexec-\(getpid())")
        try Data("#!/bin/sh\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let notExecutable = try ObsctlRunner.run(["watch", "--", file.path])
        #expect(notExecutable.exitCode == 126)
        #expect(notExecutable.err.hasPrefix("obsctl: \(file.path): "))
        #expect(notExecutable.err.contains("EACCES"))

        let killed = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "--categories", "lifecycle", "--", "sh", "-c", "kill -9 $$",
        ])
        #expect(killed.exitCode == Int32(128 + 9))
        let events = try ObsctlRunner.events(killed.lines)
        #expect(events.map { $0["kind"] as? String } == ["started", "exited", "profile"])
        #expect(events[1]["exit_code"] as? Int == -9)
        #expect(events[1]["signal"] as? Int == 9)
        #expect(events[2]["signal"] as? Int == 9)
        #expect(try ObsctlRunner.schemaErrors(killed.stdout) == "")
    }

    @Test("an unknown category is a usage error that lists the valid values")
    func unknownCategory() throws {
        let run = try ObsctlRunner.run(["watch", "--categories", "file,disk", "--", "true"])
        #expect(run.exitCode == 64)
        #expect(
            run.err.contains(
                "Unknown category \"disk\" in --categories. Valid values: lifecycle, file, network, process, all"))
        #expect(run.stdout.isEmpty)
    }

    @Test("bad flags are usage errors: negative interval, zero top, unknown flag, no command")
    func badFlags() throws {
        let negative = try ObsctlRunner.run(["watch", "--interval=-1", "--", "true"])
        #expect(negative.exitCode == 64)
        #expect(negative.err.contains("--interval must be a number of seconds ≥ 0"))
        #expect(try ObsctlRunner.run(["watch", "--top", "0", "--", "true"]).exitCode == 64)
        let unknown = try ObsctlRunner.run(["watch", "--bogus", "--", "true"])
        #expect(unknown.exitCode == 64)
        #expect(unknown.err.contains("--bogus"))
        // Without the terminator the command is not taken for obsctl's own arguments.
        #expect(try ObsctlRunner.run(["watch", "true"]).exitCode == 64)
        let none = try ObsctlRunner.run(["watch", "--json"])
        #expect(none.exitCode == 64)
        #expect(none.err.contains("Missing the command to run"))
        #expect(none.err.contains("or attach with --pid PID"))
    }

    @Test("--pid and a command are mutually exclusive; --pid takes no --timeout and must be positive")
    func pidUsage() throws {
        let both = try ObsctlRunner.run(["watch", "--pid", "1", "--", "true"])
        #expect(both.exitCode == 64)
        #expect(
            both.err.hasPrefix(
                "Error: --pid and a command after -- are mutually exclusive: attach to a running process, or start one.\n"
            ))
        #expect(both.stdout.isEmpty)
        let timeout = try ObsctlRunner.run(["watch", "--pid", "1", "--timeout", "1"])
        #expect(timeout.exitCode == 64)
        #expect(timeout.err.contains("--timeout applies only to a command obsctl starts"))
        let zero = try ObsctlRunner.run(["watch", "--pid", "0"])
        #expect(zero.exitCode == 64)
        #expect(zero.err.contains("--pid must be a process id greater than 0."))
    }

    @Test(
        "a category named but unavailable (obsctl run without privileges) warns once with the probe's reason and the run goes on; --strict fails"
    )
    func unavailableCategory() throws {
        // The reason as the unprivileged obsctl's own probe gives it.
        let capabilities = try ObsctlRunner.run(["capabilities", "--json"], launch: .unprivileged)
        #expect(capabilities.exitCode == 0)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(capabilities.stdout)) as? [[String: Any]])
        let file = try #require(array.first { $0["category"] as? String == "file" })
        #expect(file["support"] as? String == "unavailable")
        let reason = try #require(file["reason"] as? String)
        #expect(reason.hasPrefix("bpf() needs CAP_BPF and CAP_PERFMON (or root), and this process has neither"))

        let run = try ObsctlRunner.run(
            ["watch", "--json", "--interval", "0", "--categories", "file", "--", "true"], launch: .unprivileged)
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.events(run.lines).map { $0["kind"] as? String } == ["started", "exited", "profile"])
        let warnings = run.err.split(separator: "\n").filter { $0.hasPrefix("obsctl: warning:") }
        #expect(warnings == ["obsctl: warning: category \"file\" is unavailable: \(reason); watching without it."])

        let strict = try ObsctlRunner.run(
            ["watch", "--strict", "--categories", "file", "--", "true"], launch: .unprivileged)
        #expect(strict.exitCode == 1)
        #expect(strict.err == "obsctl: error: category \"file\" is unavailable: \(reason)\n")
        #expect(strict.stdout.isEmpty)
    }

    @Test("in --json mode stdout carries only JSON Lines: the command's output and the summary go to stderr")
    func stdoutOnlyJSON() throws {
        let run = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "--categories", "lifecycle", "--", "sh", "-c",
            "echo hello; echo oops >&2",
        ])
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.events(run.lines).count == 3)
        #expect(run.err.hasPrefix("hello\noops\n") || run.err.hasPrefix("oops\nhello\n"))
        #expect(run.err.contains("obsctl: sh: exit code 0 after "))
        #expect(run.err.contains("  lifecycle  3 events: exited 1, profile 1, started 1\n"))
        #expect(run.err.contains("  lost       0 (subscriber 0, kernel 0)\n"))
    }

    @Test("the human format has one aligned line per event, no colour off a terminal, then the summary")
    func humanFormat() throws {
        let run = try ObsctlRunner.run([
            "watch", "--interval", "0", "--categories", "lifecycle", "--", "sh", "-c", "exit 3",
        ])
        #expect(run.exitCode == 3)
        #expect(!run.out.contains("\u{1B}["))
        let lines = run.lines
        try #require(lines.count >= 4)
        let pattern = /^ +[0-9]+\.[0-9]{3}  lifecycle  (started|exited |profile)  +[0-9]+  .+$/
        for line in lines.prefix(3) { #expect(line.wholeMatch(of: pattern) != nil, "not aligned: \(line)") }
        #expect(
            lines[0].hasSuffix("  sh -c 'exit 3'  [/usr/bin/sh]") || lines[0].hasSuffix("  sh -c 'exit 3'  [/bin/sh]"))
        #expect(lines[1].hasSuffix("  exit code 3"))
        #expect(lines[3].hasPrefix("obsctl: sh: exit code 3 after "))
        #expect(lines.contains("  lifecycle  3 events: exited 1, profile 1, started 1"))
    }

    @Test(
        "a contained run's samples: cgroup_totals in the JSON (schema-valid, CPU time never falling), a short cgroup part in the human format"
    )
    func cgroupTotals() throws {
        let command = ["--", "sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"]
        let json = try ObsctlRunner.run(
            ["watch", "--json", "--interval", "0.05", "--categories", "lifecycle"] + command)
        #expect(json.exitCode == 0)
        #expect(try ObsctlRunner.schemaErrors(json.stdout) == "")
        let events = try ObsctlRunner.events(json.lines)
        #expect(events.last?["containment"] as? String == "cgroup2")
        let samples = events.filter { $0["kind"] as? String == "sample" }
        try #require(samples.count >= 2)
        let cpu = samples.map { ($0["cgroup_totals"] as? [String: Any])?["cpu_ns"] as? Int }
        #expect(cpu.allSatisfy { $0 != nil }, "\(samples)")
        #expect(zip(cpu, cpu.dropFirst()).allSatisfy { ($0 ?? .max) <= ($1 ?? -1) }, "\(cpu)")

        let human = try ObsctlRunner.run(
            ["watch", "--memory-max", "256M", "--interval", "0.05", "--categories", "lifecycle"] + command)
        #expect(human.exitCode == 0)
        let lines = human.lines.filter { $0.contains("  lifecycle  sample ") }
        try #require(!lines.isEmpty)
        // After the /proc totals, before the top processes.
        let part = #/ rss [0-9.]+ (B|KiB|MiB)  .*cgroup cpu [0-9]+\.[0-9]% mem [0-9.]+ (B|KiB|MiB)  top: sh\(/#
        for line in lines { #expect(line.contains(part), "\(line)") }
    }

    @Test("--no-summary prints events only")
    func noSummary() throws {
        let run = try ObsctlRunner.run([
            "watch", "--no-summary", "--interval", "0", "--categories", "lifecycle", "--", "true",
        ])
        #expect(run.exitCode == 0)
        #expect(run.lines.count == 3)
        #expect(run.err.isEmpty)
    }

    @Test("-o FILE writes the JSON Lines to the file and keeps the terminal for the command and the summary")
    func outputFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-out-\(getpid()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "--categories", "lifecycle", "-o", file.path, "--", "sh", "-c",
            "echo hi",
        ])
        #expect(run.exitCode == 0)
        let written = try [UInt8](Data(contentsOf: file))
        let lines = String(decoding: written, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(try ObsctlRunner.events(lines).map { $0["kind"] as? String } == ["started", "exited", "profile"])
        #expect(try ObsctlRunner.schemaErrors(written) == "")
        #expect(run.out.hasPrefix("hi\nobsctl: sh: exit code 0 after "))
        #expect(!run.out.contains("{\"seq\""))
    }

    @Test("--timeout ends the command's process group: exit 143, timed_out in the profile, noted in the summary")
    func timeout() throws {
        let run = try ObsctlRunner.run(["watch", "--json", "--interval", "0", "--timeout", "0.3", "--", "sleep", "30"])
        #expect(run.exitCode == 128 + SIGTERM)
        let profile = try #require(try ObsctlRunner.events(run.lines).last)
        #expect(profile["kind"] as? String == "profile")
        #expect(profile["timed_out"] as? Bool == true)
        #expect(profile["signal"] as? Int32 == SIGTERM)
        #expect(run.err.contains("obsctl: sleep: killed by SIGTERM (15) after "))
        #expect(run.err.contains(" (timed out)"))
    }
}
