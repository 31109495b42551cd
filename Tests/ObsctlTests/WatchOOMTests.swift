import Foundation
import ObserverTestSupport
import Testing

/// `obsctl watch --memory-max` when the OOM killer ends a process that is not the root: the
/// kernel's mark on that process's exit, in the human line, the JSON and the report.
@Suite("obsctl watch: the OOM killer's victim", .serialized)
struct WatchOOMTests {
    static let command = ["--", "sh", "-c", "perl -e '$x = q(a) x (256 * 1024 * 1024)'; exit 0"]

    @Test("the victim's exit line says the OOM killer and the limit; the root exits 0", .requiresEBPF)
    func human() throws {
        let run = try ObsctlRunner.run(
            ["watch", "--memory-max", "64M", "--interval", "0", "--categories", "process"] + Self.command)
        #expect(run.exitCode == 0)
        let exits = run.lines.filter { $0.contains("  process    exit ") }
        let victims = exits.filter { $0.contains("by the OOM killer") }
        #expect(exits.count == 2, "\(run.lines)")
        #expect(victims.count == 1, "\(exits)")
        #expect(
            victims.first?.contains("[perl] killed by SIGKILL (9) by the OOM killer (memory limit 64.0 MiB)  peak rss ")
                == true,
            "\(victims)")
        #expect(run.out.contains("obsctl: sh: exit code 0 after "))
    }

    @Test("--json: oom_killed on the victim's exit only, valid against the schema; the report names it", .requiresEBPF)
    func json() throws {
        let run = try ObsctlRunner.run(
            ["watch", "--json", "--memory-max", "64M", "--interval", "0", "--categories", "process"] + Self.command)
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        let events = try ObsctlRunner.events(run.lines)
        let marked = events.filter { $0["oom_killed"] as? Bool == true }
        #expect(marked.map(\.kind) == ["exit"])
        #expect(marked.first?["comm"] as? String == "perl")
        #expect(marked.first?["signal"] as? Int == 9)
        #expect(events.filter { $0.kind == "limit" }.count == 1)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-oom-\(getpid()).jsonl")
        try Data(run.stdout).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = try ObsctlRunner.run(["report", "--json", file.path])
        #expect(report.exitCode == 0)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(report.stdout)) as? [String: Any])
        let processes = try #require(document["processes"] as? [[String: Any]])
        let oom = processes.filter { $0["oom_killed"] as? Bool == true }
        #expect(oom.count == 1)
        #expect(oom.first?["pid"] as? Int == marked.first?.pid)

        // The terminal report's tree: OOM in the victim's exit column.
        let terminal = try ObsctlRunner.run(["report", file.path])
        #expect(terminal.exitCode == 0)
        let victim = try #require(marked.first?.pid)
        let rows = terminal.lines.filter { $0.contains("[\(victim)]") }
        #expect(rows.count == 1 && rows[0].contains(" OOM "), "\(terminal.lines)")
    }
}
