import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// `obsctl watch --failed-only`, `--slower-than`, `--kinds` (issue 19): file and network events
/// filtered in the kernel, against real runs; the header says which filters were on, and
/// `obsctl report` says it too.
@Suite("obsctl watch: filters of file and network events, end to end")
struct WatchFilterTests {
    /// A file or network event as the comparison sees it: its kind, its first path (or address),
    /// its result.
    struct Call: Hashable, CustomStringConvertible {
        var kind: String
        var path: String
        var result: Int
        var description: String { "\(kind) \(path) = \(result)" }
    }

    static func calls(_ events: [[String: Any]]) -> [Call] {
        events.filter { ["file", "network"].contains($0["category"] as? String) }.map {
            Call(
                kind: $0["kind"] as? String ?? "?",
                path: ($0["path"] as? String) ?? ($0["address"] as? String) ?? ($0["fd"].map { "fd \($0)" } ?? ""),
                result: $0["result"] as? Int ?? 0)
        }
    }

    static func counted(_ calls: [Call]) -> [Call: Int] { calls.reduce(into: [:]) { $0[$1, default: 0] += 1 } }

    /// The header's `filters`, nil when absent.
    static func filters(_ lines: [String]) throws -> [String: Any]? {
        let header = try #require(try ObsctlRunner.objects(Array(lines.prefix(1))).first)
        return header["filters"] as? [String: Any]
    }

    /// A directory with a Makefile whose recipes probe files that are not there (and make some
    /// that are), so that a `make` run has both failed and successful file calls.
    static func makeProject() throws -> String {
        let dir = ReportFixture.temporary("filter-make")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let makefile = """
            all: built
            \tcat missing-1 2>/dev/null || true
            \ttest -r missing-2 || cat missing-2 2>/dev/null || true
            \trm -f missing-3 built
            built:
            \ttouch built
            \tmkdir -p sub && rmdir sub

            """
        try makefile.write(toFile: dir + "/Makefile", atomically: true, encoding: .utf8)
        return dir
    }

    @Test(
        "--failed-only on a make run: exactly the failed file calls of the unfiltered run, no others, and the header says so",
        .requiresEBPF)
    func failedOnly() throws {
        let dir = try Self.makeProject()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["watch", "--json", "--interval", "0", "--categories", "file,process"]
        let all = try ObsctlRunner.run(base + ["--", "make", "-s", "-C", dir])
        let failed = try ObsctlRunner.run(base + ["--failed-only", "--", "make", "-s", "-C", dir])
        #expect(all.exitCode == 0, "\(all.err)")
        #expect(failed.exitCode == 0, "\(failed.err)")
        #expect(try ObsctlRunner.schemaErrors(failed.stdout) == "")
        let everyCall = Self.calls(try ObsctlRunner.events(all.lines))
        let failedCalls = Self.calls(try ObsctlRunner.events(failed.lines))
        let expected = Self.counted(everyCall.filter { $0.result < 0 })
        #expect(expected[Call(kind: "open", path: "missing-1", result: -2)] == 1)
        #expect(everyCall.contains { $0.result >= 0 })
        #expect(Self.counted(failedCalls) == expected)
        #expect(failedCalls.allSatisfy { $0.result < 0 })
        // Process events are kept: every exec of the unfiltered run is there.
        func execs(_ lines: [String]) throws -> Int {
            try ObsctlRunner.events(lines).filter { $0["kind"] as? String == "exec" }.count
        }
        #expect(try execs(failed.lines) == execs(all.lines))
        #expect(try Self.filters(failed.lines)?["failed_only"] as? Bool == true)
        #expect(try Self.filters(all.lines) == nil)

        // The report of the filtered recording says so in its header lines.
        let recording = ReportFixture.temporary("filtered.jsonl")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        try Data(failed.stdout).write(to: URL(fileURLWithPath: recording))
        let report = try ObsctlRunner.run(["report", recording])
        #expect(report.exitCode == 0)
        #expect(
            report.out.contains("  filtered     file and network events filtered in the kernel: only failed calls\n"))
        let json = try ObsctlRunner.run(["report", "--json", recording])
        #expect(try ObsctlRunner.reportSchemaErrors(json.stdout) == "")
        let recordingSection = try ReportFixture.document(json.out)["recording"] as? [String: Any]
        #expect(
            recordingSection?["filters"] as? String
                == "file and network events filtered in the kernel: only failed calls")
    }

    @Test(
        "--slower-than keeps only the call that waited: a FIFO's open blocked until its writer came",
        .requiresEBPF)
    func slowerThan() throws {
        let dir = ReportFixture.temporary("filter-fifo")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // cat's open of the FIFO blocks until the writer opens it, 0.3 s later (or, should cat
        // start later than that, the writer's open waits for cat): one open waits, once.
        let script = "mkfifo \(dir)/f; { sleep 0.3; echo x > \(dir)/f; } & cat \(dir)/f > /dev/null; wait"
        let run = try ObsctlRunner.run(
            [
                "watch", "--json", "--interval", "0", "--categories", "file", "--slower-than", "100ms", "--", "sh",
                "-c",
                script,
            ])
        #expect(run.exitCode == 0, "\(run.err)")
        let events = try ObsctlRunner.events(run.lines)
        let files = events.filter { $0["category"] as? String == "file" }
        #expect(files.count == 1, "\(Self.calls(events))")
        #expect(files.first?["kind"] as? String == "open")
        #expect(files.first?["path"] as? String == "\(dir)/f")
        #expect((files.first?["duration_ns"] as? Int ?? 0) > 100_000_000)
        #expect(try Self.filters(run.lines)?["slower_than_ns"] as? Int == 100_000_000)
    }

    @Test(
        "the human line of a call of 1 ms or more ends with its time as strace -T writes it; a quick call's has none",
        .requiresEBPF)
    func humanCallTime() throws {
        let dir = ReportFixture.temporary("filter-fifo-human")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = "mkfifo \(dir)/f; { sleep 0.3; echo x > \(dir)/f; } & cat \(dir)/f > /dev/null; wait"
        let run = try ObsctlRunner.run(
            ["watch", "--interval", "0", "--no-summary", "--categories", "file", "--", "sh", "-c", script])
        #expect(run.exitCode == 0, "\(run.err)")
        let opens = run.lines.filter { $0.contains(" open ") }
        let timed = opens.filter { line in
            guard let open = line.range(of: "  <", options: .backwards), line.hasSuffix("s>") else { return false }
            let seconds = line[open.upperBound..<line.index(line.endIndex, offsetBy: -2)]
            let parts = seconds.split(separator: ".")
            return parts.count == 2 && parts[1].count == 6 && (Double(seconds) ?? 0) >= 0.1
        }
        #expect(timed.count == 1, "\(opens)")
        #expect(timed.first?.contains("\(dir)/f") == true)
        #expect(opens.count > 1)
    }

    @Test(
        "--kinds keeps only the named kinds: mkdir and unlink, not rmdir (also unlinkat's), open or rename",
        .requiresEBPF)
    func kinds() throws {
        let dir = ReportFixture.temporary("filter-kinds")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script =
            "mkdir \(dir)/d && rmdir \(dir)/d && mkdir \(dir)/e && rm -r \(dir)/e && touch \(dir)/f && mv \(dir)/f \(dir)/g && rm \(dir)/g"
        let run = try ObsctlRunner.run(
            [
                "watch", "--json", "--interval", "0", "--categories", "file,process", "--kinds", "mkdir,unlink", "--",
                "sh", "-c", script,
            ])
        #expect(run.exitCode == 0, "\(run.err)")
        let events = try ObsctlRunner.events(run.lines)
        #expect(
            Self.calls(events) == [
                Call(kind: "mkdir", path: "\(dir)/d", result: 0), Call(kind: "mkdir", path: "\(dir)/e", result: 0),
                Call(kind: "unlink", path: "\(dir)/g", result: 0),
            ])
        // Process events are kept: the shell's exec and its seven commands'.
        #expect(events.filter { $0["kind"] as? String == "exec" }.count == 8)
        #expect(try Self.filters(run.lines)?["kinds"] as? [String] == ["mkdir", "unlink"])
    }

    @Test(
        "a bad duration or kind is a usage error (64) that says what is wrong",
        arguments: [
            (["--slower-than", "10parsecs"], "--slower-than must be a duration"),
            (["--slower-than=-1ms"], "--slower-than must be a duration"),
            (["--slower-than", "1e3s"], "--slower-than must be a duration"),
            (["--kinds", "open,exec"], "--kinds: \"exec\" is not a kind of file or network event; the kinds are open"),
            (["--kinds", ""], "--kinds: \"\" is not a kind"),
        ])
    func badInput(flags: [String], message: String) throws {
        let run = try ObsctlRunner.run(["watch"] + flags + ["--", "true"])
        #expect(run.exitCode == 64)
        #expect(run.err.contains(message), "\(run.err)")
    }
}
