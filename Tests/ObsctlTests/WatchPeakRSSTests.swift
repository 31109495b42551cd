import Foundation
import ObserverTestSupport
import Testing

/// Every process's peak RSS from the kernel, through `obsctl watch` and `obsctl report`: perl,
/// forked from the small shell, touches 64 MiB and then execs `true`, whose figure carries perl's
/// image and says so; the root shell (spawned through the small spawn helper, not from obsctl's
/// address space) carries its own.
@Suite("obsctl watch: every process's peak RSS", .serialized)
struct WatchPeakRSSTests {
    static let command = ["--", "sh", "-c", "perl -e '$x = q(a) x (64 * 1024 * 1024); exec q(/bin/true)'; exit 0"]
    static let mib = 1 << 20

    @Test("the human exit lines carry the peak; the root's names its image's own figure", .requiresEBPF)
    func human() throws {
        let run = try ObsctlRunner.run(["watch", "--interval", "0", "--categories", "process"] + Self.command)
        #expect(run.exitCode == 0)
        let exits = run.lines.filter { $0.contains("  process    exit ") }
        #expect(exits.count == 2, "\(run.lines)")
        let exec = try #require(exits.first { $0.contains("[true]") })
        #expect(exec.contains("exit code 0  peak rss "), "\(exec)")
        #expect(exec.contains(" since its exec)"), "\(exec)")
        let root = try #require(exits.first { $0.contains("[sh]") })
        #expect(!root.contains("since its exec"), "\(root)")
    }

    @Test(
        "--json: the figures on exit, valid against the schema; the report's tree and JSON show them, the fold marked",
        .requiresEBPF)
    func json() throws {
        let run = try ObsctlRunner.run(
            ["watch", "--json", "--interval", "0", "--categories", "process"] + Self.command)
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        let exits = try ObsctlRunner.events(run.lines).filter { $0.kind == "exit" }
        let perl = try #require(exits.first { $0["comm"] as? String == "true" })
        let root = try #require(exits.first { $0["comm"] as? String == "sh" })
        #expect((perl["peak_rss_bytes"] as? Int ?? 0) >= 64 * Self.mib)
        #expect(perl["peak_rss_includes_pre_exec"] as? Bool == true)
        #expect((perl["image_peak_rss_bytes"] as? Int ?? .max) < 8 * Self.mib, "true's own image")
        #expect(root["peak_rss_includes_pre_exec"] as? Bool == false)
        let rootPeak = try #require(root["peak_rss_bytes"] as? Int)
        #expect(rootPeak == root["image_peak_rss_bytes"] as? Int)
        #expect(rootPeak < 8 * Self.mib, "the shell's own figure, not obsctl's")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-peakrss-\(getpid()).jsonl")
        try Data(run.stdout).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = try ObsctlRunner.run(["report", "--json", file.path])
        #expect(report.exitCode == 0)
        #expect(try ObsctlRunner.reportSchemaErrors(report.stdout) == "")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout)) as? [String: Any])
        let processes = try #require(document["processes"] as? [[String: Any]])
        let reportedPerl = try #require(processes.first { $0["pid"] as? Int == perl.pid })
        #expect(reportedPerl["exit_peak_rss_bytes"] as? Int == perl["peak_rss_bytes"] as? Int)
        #expect(reportedPerl["exit_peak_rss_includes_pre_exec"] as? Bool == true)
        let reportedRoot = try #require(processes.first { $0["pid"] as? Int == root.pid })
        #expect(reportedRoot["exit_peak_rss_bytes"] as? Int == rootPeak)
        #expect(reportedRoot["exit_image_peak_rss_bytes"] as? Int == root["image_peak_rss_bytes"] as? Int)
        #expect(reportedRoot["exit_peak_rss_includes_pre_exec"] as? Bool == false)

        // The terminal report's tree: a PEAK RSS column, the exec'd figure marked, the mark explained.
        let terminal = try ObsctlRunner.run(["report", file.path])
        #expect(terminal.exitCode == 0)
        #expect(terminal.lines.contains { $0.contains("PEAK RSS  EXIT") }, "\(terminal.lines)")
        let (rootPID, perlPID) = (try #require(root.pid), try #require(perl.pid))
        let rootRow = try #require(terminal.lines.first { $0.contains("[\(rootPID)]") })
        #expect(rootRow.contains(" MiB  "), "\(rootRow)")
        let perlRow = try #require(terminal.lines.first { $0.contains("[\(perlPID)]") })
        #expect(perlRow.contains(" MiB* "), "\(perlRow)")
        #expect(terminal.lines.contains { $0.hasPrefix("  * peak from before the process's exec") })
    }
}
