import Foundation
import ObserverReporting
import ObserverTestSupport
import ProcessObserver
import Testing

/// `obsctl report` through the real binary: golden reports of a committed real recording, and
/// reports of runs recorded here and now whose figures are checked against their own events.
@Suite("obsctl report, end to end")
struct ReportEndToEndTests {
    @Test("the terminal report of the make -j2 recording is exactly the golden file")
    func goldenText() throws {
        let run = try ObsctlRunner.run(["report", ReportFixture.makeRecording])
        #expect(run.exitCode == 0)
        #expect(run.err == "")
        #expect(run.out == (try ReportFixture.text("make-j2.report.txt")))
    }

    @Test("--json of the make -j2 recording is exactly the golden document, and valid against its schema")
    func goldenJSON() throws {
        let run = try ObsctlRunner.run(["report", "--json", ReportFixture.makeRecording])
        #expect(run.exitCode == 0)
        #expect(run.out == (try ReportFixture.text("make-j2.report.json")))
        #expect(try ObsctlRunner.reportSchemaErrors(run.stdout) == "")
    }

    @Test("the make -j2 report against its events: processes, tree shape, file counts and failures by errno")
    func makeAgainstEvents() throws {
        let lines = try ReportFixture.objects(ReportFixture.makeRecording)
        let events = Array(lines.dropFirst())
        let report = try ReportFixture.document(
            try ObsctlRunner.run(["report", "--json", ReportFixture.makeRecording]).out)
        let run = try #require(report["run"] as? [String: Any])
        let forks = events.filter { $0.kind == "fork" }.count
        #expect(run["processes"] as? Int == forks + 1)
        #expect(run["processes"] as? Int == 13)
        #expect(run["failed_processes"] as? Int == 1)  // cat missing.txt
        #expect(
            ReportFixture.shape(try #require(report["tree"] as? [[String: Any]]))
                == "make×1(cc×3(cc1×3 as×3) sh×2(cat×1))")
        let files = try #require(report["files"] as? [String: Any])
        let failed = try #require(files["failed"] as? [[String: Any]])
        var byErrno: [String: Int] = [:]
        for entry in failed {
            byErrno[entry["errno"] as! String] = (entry["paths"] as? [String: Any])?["total"] as? Int
        }
        #expect(byErrno == ReportFixture.fileFailures(events))
        let openedOK = events.filter { $0.kind == "open" && ($0["result"] as? Int ?? -1) >= 0 }
        let reads = openedOK.filter { ($0["flags"] as? [String])?.first == "O_RDONLY" }.count
        #expect((files["read"] as? [String: Any])?["total"] as? Int == reads)
        #expect((files["written"] as? [String: Any])?["total"] as? Int == openedOK.count - reads)
        let deleted = events.filter { $0.kind == "unlink" && $0["result"] as? Int == 0 }.count
        #expect((files["deleted"] as? [String: Any])?["total"] as? Int == deleted)
        let samples = try #require(report["samples"] as? [String: Any])
        #expect(samples["count"] as? Int == events.filter { $0.kind == "sample" }.count)
    }

    @Test(
        "a shell pipeline recorded now: 4 processes (sh, its printf subshell, sort, uniq), the output file written",
        .requiresEBPF)
    func pipeline() throws {
        let recording = ReportFixture.temporary("pipeline.jsonl")
        let output = ReportFixture.temporary("pipeline.out")
        defer {
            try? FileManager.default.removeItem(atPath: recording)
            try? FileManager.default.removeItem(atPath: output)
        }
        let watch = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "-o", recording, "--", "sh", "-c",
            "printf 'b\\na\\nb\\n' | sort | uniq -c > \(output)",
        ])
        #expect(watch.exitCode == 0)
        let run = try ObsctlRunner.run(["report", "--json", recording])
        #expect(run.exitCode == 0)
        let report = try ReportFixture.document(run.out)
        #expect((report["run"] as? [String: Any])?["processes"] as? Int == 4)
        #expect((report["run"] as? [String: Any])?["failed_processes"] as? Int == 0)
        #expect(ReportFixture.shape(try #require(report["tree"] as? [[String: Any]])) == "sh×1(sh×1 sort×1 uniq×1)")
        let written = try #require((report["files"] as? [String: Any])?["written"] as? [String: Any])
        let paths = try #require(written["paths"] as? [[String: Any]])
        #expect(paths.contains { $0["path"] as? String == output && $0["count"] as? Int == 1 })
        let created = try #require((report["files"] as? [String: Any])?["created"] as? [String: Any])
        #expect((created["paths"] as? [[String: Any]])?.contains { $0["path"] as? String == output } == true)
        let text = try ObsctlRunner.run(["report", recording]).out
        #expect(text.contains("PROCESS TREE  4 processes\n"))
    }

    @Test(
        "a parallel make recorded now: make, then cc ×5 each with cc1 and as; watch --report prints the same tree",
        .requiresEBPF)
    func parallelMake() throws {
        let dir = ReportFixture.temporary("make")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 1...5 {
            try Data("int f\(i)(void) { return \(i); }\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/f\(i).c"))
        }
        try Data("all: f1.o f2.o f3.o f4.o f5.o\n%.o: %.c\n\tcc -c $< -o $@\n".utf8).write(
            to: URL(fileURLWithPath: "\(dir)/Makefile"))
        let recording = "\(dir)/run.jsonl"
        let watch = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "-o", recording, "--report", "--", "make", "-C", dir, "-j2",
        ])
        #expect(watch.exitCode == 0)
        let report = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)
        #expect((report["run"] as? [String: Any])?["processes"] as? Int == 16)
        #expect(ReportFixture.shape(try #require(report["tree"] as? [[String: Any]])) == "make×1(cc×5(cc1×5 as×5))")
        // --report printed, where the summary goes (stdout: the events went to the file).
        #expect(watch.out.contains("PROCESS TREE  16 processes\n"))
        #expect(watch.out.contains("└─ cc ×5\n"))
        #expect(watch.out.contains("   ├─ cc1 ×5\n"))
        #expect(!watch.out.contains("obsctl: make: exit code 0"))
        let fileReport = try ObsctlRunner.run(["report", recording]).out
        let tree = { (text: String) in
            text.split(separator: "\n").filter { $0.contains("×5") }.map {
                $0.split(separator: " ").suffix(2).joined(separator: " ")
            }
        }
        #expect(tree(watch.out) == tree(fileReport))
        #expect(tree(fileReport) == ["cc ×5", "cc1 ×5", "as ×5"])
    }

    @Test("a failing command: its exit code, the failed processes, the failed open by errno and path", .requiresEBPF)
    func failingCommand() throws {
        let recording = ReportFixture.temporary("failing.jsonl")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let watch = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "-o", recording, "--", "sh", "-c",
            "cat /nonexistent-obsctl-report 2>/dev/null; exit 3",
        ])
        #expect(watch.exitCode == 3)
        let events = Array(try ReportFixture.objects(recording).dropFirst())
        let report = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)
        let run = try #require(report["run"] as? [String: Any])
        #expect((run["exit"] as? [String: Any])?["exit_code"] as? Int == 3)
        #expect(run["processes"] as? Int == 2)
        #expect(run["failed_processes"] as? Int == 2)  // sh exit 3, cat exit 1
        let failed = try #require((report["files"] as? [String: Any])?["failed"] as? [[String: Any]])
        let enoent = try #require(failed.first { $0["errno"] as? String == "ENOENT" })
        let paths = try #require((enoent["paths"] as? [String: Any])?["paths"] as? [[String: Any]])
        #expect(paths.contains { $0["path"] as? String == "/nonexistent-obsctl-report" && $0["count"] as? Int == 1 })
        #expect((enoent["paths"] as? [String: Any])?["total"] as? Int == ReportFixture.fileFailures(events)["ENOENT"])
        let text = try ObsctlRunner.run(["report", recording]).out
        #expect(text.contains("  exit         exit code 3\n"))
        #expect(text.contains("  processes    2  (2 failed)\n"))
    }

    @Test("the run cgroup's own totals in the samples: their peaks in the report, as the samples have them")
    func cgroupPeaks() throws {
        let recording = ReportFixture.temporary("cgroup.jsonl")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        // A memory limit, so that the samples carry the cgroup's memory too (the v1 memory cgroup
        // on this hybrid host).
        let watch = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0.05", "--memory-max", "256M", "--categories", "lifecycle", "-o",
            recording, "--", "sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done",
        ])
        #expect(watch.exitCode == 0)
        let totals = try ReportFixture.objects(recording).compactMap { $0["cgroup_totals"] as? [String: Any] }
        try #require(totals.count >= 2, "\(totals.count) samples with cgroup totals")
        let cpu = try #require(totals.compactMap { $0["cpu_pct"] as? Double }.max())
        let memory = try #require(totals.compactMap { $0["memory_bytes"] as? Int }.max())
        let report = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)
        let samples = try #require(report["samples"] as? [String: Any])
        #expect(samples["cgroup_peak_cpu_pct"] as? Double == cpu)
        #expect(samples["cgroup_peak_memory_bytes"] as? Int == memory)
        let text = try ObsctlRunner.run(["report", recording]).out
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("  cgroup ") })
        #expect(row.contains("cpu peak \(ReportText.fixed(cpu, 1))% of one core  memory peak "), "\(row)")
    }

    @Test("a run with lost events: the report counts them by source, as the profile does", .requiresEBPF)
    func lostEvents() throws {
        let recording = ReportFixture.temporary("lost.jsonl")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let events = try LossyRecording.write(
            script: "for i in 1 2 3 4 5 6 7 8 9 10; do cat /dev/null; done", shownArgv: ["sh", "-c", "…"],
            writer: "ReportEndToEndTests", to: recording)

        var lostInEvents: UInt64 = 0
        var profileLost: UInt64 = 0
        for event in events {
            if case .lost(let lost) = event.kind { lostInEvents += lost.count }
            if case .profile(let p) = event.kind { profileLost = p.lostSubscriber }
        }
        try #require(profileLost > 0)
        #expect(lostInEvents == profileLost)
        let document = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)
        let lost = try #require((document["run"] as? [String: Any])?["lost"] as? [String: Any])
        #expect(lost["subscriber"] as? UInt64 == profileLost)
        #expect(lost["kernel"] as? Int == 0)
        let text = try ObsctlRunner.run(["report", recording]).out
        #expect(
            text.contains(
                "  lost events  \(profileLost) (kernel 0, subscriber \(profileLost)): counts below are short\n"))
    }

    @Test("a truncated recording is reported to its last complete line, with a note on stderr and in the report")
    func truncated() throws {
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ReportFixture.makeRecording)))
        let cut = ReportFixture.temporary("cut.jsonl")
        defer { try? FileManager.default.removeItem(atPath: cut) }
        // 40 bytes into line 200 of 327 (event 199).
        let newlines = whole.indices.filter { whole[$0] == 0x0A }
        try Data(whole[..<(newlines[198] + 1 + 40)]).write(to: URL(fileURLWithPath: cut))
        let run = try ObsctlRunner.run(["report", cut])
        #expect(run.exitCode == 0)
        #expect(
            run.err.hasPrefix(
                "obsctl: note: the recording is truncated: its last line is incomplete (40 bytes ignored) and the "
                    + "run's closing profile is missing; it covers the first "))
        #expect(run.err.hasSuffix(" of the run (198 events, up to event 198).\n"))
        #expect(run.out.contains("  note         the recording is truncated: "))
        #expect(run.out.contains("  exit         unknown (no exit in the recording)\n"))
        let document = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", cut]).out)
        let recording = try #require(document["recording"] as? [String: Any])
        #expect(recording["truncated"] as? Bool == true)
        #expect(recording["events"] as? Int == 198)
        #expect(recording["incomplete_tail_bytes"] as? Int == 40)
    }

    @Test("a recording from a newer minor schema, with unknown members and an unknown kind, reports the same answers")
    func newerSchema() throws {
        var text = try String(contentsOfFile: ReportFixture.makeRecording, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"schema_version\":\"1.0\"", with: "\"schema_version\":\"1.9\"")
        text = text.replacingOccurrences(of: "}\n", with: ",\"from_the_future\":{\"a\":[1,2,3]}}\n")
        text +=
            #"{"seq":999,"ts_ns":1,"time":"2026-12-01T15:09:32.478806166Z","category":"file","kind":"mmap","pid":7589,"path":"/tmp"}"#
            + "\n"
        let newer = ReportFixture.temporary("newer.jsonl")
        defer { try? FileManager.default.removeItem(atPath: newer) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: newer))
        let run = try ObsctlRunner.run(["report", newer])
        #expect(run.exitCode == 0)
        #expect(run.err == "")
        let golden = try ReportFixture.text("make-j2.report.txt")
        let skipped = "  skipped      kinds this obsctl does not know: mmap ×1\n"
        #expect(run.out == golden.replacingOccurrences(of: "\n\nPROCESS TREE", with: "\n" + skipped + "\nPROCESS TREE"))
    }

    @Test("- reads the recording from standard input")
    func standardInput() throws {
        let result = try NativeProcessHelper.shell(
            "'\(ObsctlRunner.binary)' report - < '\(ReportFixture.makeRecording)'")
        #expect(result.status == 0)
        #expect(result.out == (try ReportFixture.text("make-j2.report.txt")))
    }

    @Test("bad input: a missing file, a directory, garbage, an empty file, bad flags, an unwritable -o")
    func badInput() throws {
        let missing = try ObsctlRunner.run(["report", "/nonexistent/run.jsonl"])
        #expect(missing.exitCode == 66)
        #expect(
            missing.err
                == "obsctl: Reading the recording /nonexistent/run.jsonl failed: the file does not exist (open: ENOENT). "
                + "Check the path, or record one with obsctl watch --json -o FILE.\n")
        #expect(missing.stdout.isEmpty)
        let directory = try ObsctlRunner.run(["report", "/tmp"])
        #expect(directory.exitCode == 66)
        #expect(
            directory.err
                == "obsctl: Reading the recording /tmp failed: it is a directory that holds no recording segments "
                + "(segment-*.jsonl, segment-*.jsonl.gz). Give a recording file, or a directory obsctl watch --record "
                + "wrote.\n")
        let garbage = try ObsctlRunner.run(["report", ObsctlRunner.binary])
        #expect(garbage.exitCode == 65)
        #expect(
            garbage.err.hasPrefix("obsctl: Reading the recording \(ObsctlRunner.binary) failed: line 1 is not JSON ("))
        #expect(garbage.err.hasSuffix("). Give a file written by obsctl watch --json (-o FILE).\n"))
        let empty = ReportFixture.temporary("empty.jsonl")
        try Data().write(to: URL(fileURLWithPath: empty))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let emptyRun = try ObsctlRunner.run(["report", empty])
        #expect(emptyRun.exitCode == 65)
        #expect(emptyRun.err.contains("failed: it is empty."))
        let noFile = try ObsctlRunner.run(["report"])
        #expect(noFile.exitCode == 64)
        #expect(noFile.err.contains("Missing expected argument '<recording>'"))
        #expect(try ObsctlRunner.run(["report", "--bogus", ReportFixture.makeRecording]).exitCode == 64)
        let both = try ObsctlRunner.run(["report", "--json", "--html", ReportFixture.makeRecording])
        #expect(both.exitCode == 64)
        #expect(both.err.contains("--json and --html are mutually exclusive: choose one."))
        let unwritable = try ObsctlRunner.run([
            "report", "-o", "/nonexistent/dir/report.txt", ReportFixture.makeRecording,
        ])
        #expect(unwritable.exitCode == 125)
        #expect(
            unwritable.err
                == "obsctl: cannot open /nonexistent/dir/report.txt for writing: No such file or directory (ENOENT).\n")
    }
}

/// A shell command line run to its end, for what ObsctlRunner cannot do (a redirected stdin).
enum NativeProcessHelper {
    struct Result {
        var status: Int32?
        var out: String
        var err: String
    }

    static func shell(_ script: String) throws -> Result {
        let result = try ProcessObserver.NativeProcess(
            .path("/bin/sh"), arguments: ["-c", ProcessObserver.ByteString(script)], standardInput: .null,
            standardOutput: .capture(maxBytes: ObsctlRunner.captureLimit),
            standardError: .capture(maxBytes: ObsctlRunner.captureLimit)
        ).run()
        return Result(
            status: result.status.exitCode, out: String(decoding: result.standardOutput ?? [], as: UTF8.self),
            err: String(decoding: result.standardError ?? [], as: UTF8.self))
    }
}
