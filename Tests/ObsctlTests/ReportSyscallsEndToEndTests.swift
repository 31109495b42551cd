import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// `obsctl report`'s SYSCALLS section (issue 19) through the real binary: golden reports of a
/// committed real `watch -c` recording, its figures against the recording's own `syscalls` and
/// file events (read with Foundation, not the library), a run recorded here and now whose table
/// must be the one `watch -c` printed, and a recording without summaries.
@Suite("obsctl report: the SYSCALLS section, end to end")
struct ReportSyscallsEndToEndTests {
    static let recording = ReportFixture.syscallsRecording

    /// The recording's `syscalls` events' entries, summed per syscall name, independently of the
    /// library: calls, errors, errnos, total, min, max.
    struct Sums: Equatable {
        var calls = 0
        var errors = 0
        var errnos: [String: Int] = [:]
        var totalNs = 0
        var minNs = Int.max
        var maxNs = 0
    }

    static func sums(_ events: [[String: Any]]) throws -> [String: Sums] {
        var out: [String: Sums] = [:]
        for event in events where event["kind"] as? String == "syscalls" {
            for entry in try #require(event["syscalls"] as? [[String: Any]]) {
                let name = try #require(entry["name"] as? String)
                var s = out[name] ?? Sums()
                s.calls += try #require(entry["calls"] as? Int)
                s.errors += try #require(entry["errors"] as? Int)
                for (errno, n) in entry["errnos"] as? [String: Int] ?? [:] { s.errnos[errno, default: 0] += n }
                s.totalNs += try #require(entry["total_ns"] as? Int)
                s.minNs = min(s.minNs, try #require(entry["min_ns"] as? Int))
                s.maxNs = max(s.maxNs, try #require(entry["max_ns"] as? Int))
                out[name] = s
            }
        }
        return out
    }

    @Test("the terminal and JSON reports of the -c recording are exactly the golden files; the JSON is valid")
    func golden() throws {
        let text = try ObsctlRunner.run(["report", Self.recording])
        #expect(text.exitCode == 0)
        #expect(text.err == "")
        #expect(text.out == (try ReportFixture.text("syscalls-sh.report.txt")))
        let json = try ObsctlRunner.run(["report", "--json", Self.recording])
        #expect(json.exitCode == 0)
        #expect(json.out == (try ReportFixture.text("syscalls-sh.report.json")))
        #expect(try ObsctlRunner.reportSchemaErrors(json.stdout) == "")
    }

    @Test(
        "the section against the recording's events: the merged table, the longest calls, errors by errno, failed paths"
    )
    func againstEvents() throws {
        let events = Array(try ReportFixture.objects(Self.recording).dropFirst())
        let sums = try Self.sums(events)
        let document = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", Self.recording]).out)
        let section = try #require(document["syscalls"] as? [String: Any])
        #expect(section["summarized"] as? Bool == true)
        #expect(section["note"] is NSNull)
        let summaries = events.filter { $0["kind"] as? String == "syscalls" }
        let processes = try #require(section["processes"] as? [[String: Any]])
        #expect(processes.map { $0["pid"] as? Int } == summaries.map { $0["pid"] as? Int })
        #expect(processes.map { $0["program"] as? String } == ["cat", "ls", "sh"])

        // The table: one row per syscall, the sums of every process's entries, by time spent.
        let table = try #require(section["table"] as? [[String: Any]])
        #expect(table.count == sums.count)
        for row in table {
            let name = try #require(row["name"] as? String)
            let s = try #require(sums[name])
            #expect(row["calls"] as? Int == s.calls, "\(name)")
            #expect(row["errors"] as? Int == s.errors, "\(name)")
            #expect(row["errnos"] as? [String: Int] == s.errnos, "\(name)")
            #expect(row["total_ns"] as? Int == s.totalNs, "\(name)")
            #expect(row["min_ns"] as? Int == s.minNs, "\(name)")
            #expect(row["max_ns"] as? Int == s.maxNs, "\(name)")
        }
        let times = table.compactMap { $0["total_ns"] as? Int }
        #expect(times == times.sorted(by: >))

        // The longest call of each syscall, and the process whose summary holds it.
        let slowest = try #require(section["slowest"] as? [[String: Any]])
        #expect(slowest.count == sums.count)
        #expect(slowest.compactMap { $0["max_ns"] as? Int } == sums.values.map(\.maxNs).sorted(by: >))
        for call in slowest {
            let name = try #require(call["name"] as? String)
            let holder = summaries.first { summary in
                (summary["syscalls"] as? [[String: Any]] ?? []).contains {
                    $0["name"] as? String == name && $0["max_ns"] as? Int == call["max_ns"] as? Int
                }
            }
            #expect(call["pid"] as? Int == holder?["pid"] as? Int, "\(name)")
        }

        // Errors by errno, and each (syscall, errno) pair.
        var byErrno: [String: Int] = [:]
        for s in sums.values { for (errno, n) in s.errnos { byErrno[errno, default: 0] += n } }
        let errnos = try #require(section["errnos"] as? [[String: Any]])
        #expect(
            Dictionary(uniqueKeysWithValues: errnos.map { ($0["errno"] as! String, $0["count"] as! Int) }) == byErrno)
        #expect(byErrno == ["ENOENT": 60, "ECHILD": 2, "ENOTTY": 1])
        let failures = try #require(section["failures"] as? [[String: Any]])
        #expect(failures.count == sums.values.reduce(0) { $0 + $1.errnos.count })

        // openat ENOENT: the paths of the failed open events with ENOENT, each with its count.
        let openat = try #require(
            failures.first { $0["syscall"] as? String == "openat" && $0["errno"] as? String == "ENOENT" })
        #expect(openat["count"] as? Int == sums["openat"]?.errnos["ENOENT"])
        #expect(openat["event_kinds"] as? [String] == ["open"])
        var expected: [String: Int] = [:]
        for e in events where e["kind"] as? String == "open" && e["errno"] as? String == "ENOENT" {
            expected[(e["abs_path"] as? String) ?? (e["path"] as! String), default: 0] += 1
        }
        let paths = try #require((openat["paths"] as? [String: Any])?["paths"] as? [[String: Any]])
        #expect(
            Dictionary(uniqueKeysWithValues: paths.map { ($0["path"] as! String, $0["count"] as! Int) }) == expected)
        #expect(expected["/nonexistent/obsctl-fixture"] == 1)
        // Every failed open of the run was an openat here: the paths account for its count.
        #expect(expected.values.reduce(0, +) == openat["count"] as? Int)
        // A syscall no kind streams: its count, no paths.
        let statx = try #require(failures.first { $0["syscall"] as? String == "statx" })
        #expect(statx["event_kinds"] as? [String] == [])
        #expect((statx["paths"] as? [String: Any])?["total"] as? Int == 0)

        // The terminal section says the same.
        let text = try ObsctlRunner.run(["report", Self.recording]).out
        #expect(text.contains("\nSYSCALLS  3 processes, 351 calls, 63 errors\n"))
        #expect(text.contains("\n  errors       ENOENT ×60, ECHILD ×2, ENOTTY ×1\n"))
        #expect(text.contains("\n    statx ENOENT ×2\n"))
    }

    @Test("a recording without syscalls events says how to get them, in the terminal and the JSON report")
    func withoutSummary() throws {
        let text = try ObsctlRunner.run(["report", ReportFixture.makeRecording]).out
        #expect(
            text.hasSuffix(
                "\nSYSCALLS\n  (no syscall summary in the recording: record the run with obsctl watch -c --json -o FILE)\n"
            ))
        let document = try ReportFixture.document(
            try ObsctlRunner.run(["report", "--json", ReportFixture.makeRecording]).out)
        let section = try #require(document["syscalls"] as? [String: Any])
        #expect(section["summarized"] as? Bool == false)
        #expect(
            section["note"] as? String
                == "the recording has no syscall summary: record the run with obsctl watch -c --json -o FILE")
        for list in ["processes", "table", "slowest", "errnos", "failures"] {
            #expect((section[list] as? [Any])?.isEmpty == true, "\(list)")
        }
    }

    @Test(
        "a known workload recorded now with -c: the report's table is the one watch -c printed, line for line; the failed openat's path",
        .requiresEBPF)
    func liveWorkload() throws {
        let binary = try WatchSyscallSummaryTests.workload()
        let recording = ReportFixture.temporary("workload.jsonl")
        defer {
            try? FileManager.default.removeItem(atPath: binary)
            try? FileManager.default.removeItem(atPath: recording)
        }
        let opens = WatchSyscallSummaryTests.failedOpens
        let watch = try ObsctlRunner.run([
            "watch", "-c", "--json", "-o", recording, "--interval", "0", "--no-summary", "--", binary,
            String(WatchSyscallSummaryTests.getpids), String(opens), String(WatchSyscallSummaryTests.reads),
        ])
        #expect(watch.exitCode == 0)
        // What watch -c printed: the table, from its header to its total.
        let printed = watch.lines
        let start = try #require(printed.firstIndex(of: "% time     seconds  usecs/call     calls    errors syscall"))
        let table = Array(printed[start...])
        #expect(table.last?.hasSuffix(" total") == true)

        let report = try ObsctlRunner.run(["report", recording])
        #expect(report.exitCode == 0)
        let lines = report.lines
        let at = try #require(lines.firstIndex(of: "  " + table[0]))
        #expect(Array(lines[at..<(at + table.count)]) == table.map { "  " + $0 })
        let label = "openat ENOENT ×\(opens)".padding(toLength: 28, withPad: " ", startingAt: 0)
        #expect(lines.contains("    " + label + "/nonexistent/obs-summary-test ×\(opens)"))

        let document = try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)
        let section = try #require(document["syscalls"] as? [String: Any])
        let failures = try #require(section["failures"] as? [[String: Any]])
        let openat = try #require(failures.first { $0["syscall"] as? String == "openat" })
        #expect(openat["count"] as? Int == opens)
        let paths = try #require(openat["paths"] as? [String: Any])
        #expect(paths["total"] as? Int == opens)
        #expect(
            (paths["paths"] as? [[String: Any]])?.map { "\($0["path"]!) \($0["count"]!)" } == [
                "/nonexistent/obs-summary-test \(opens)"
            ])
        let rows = try #require(section["table"] as? [[String: Any]])
        #expect(
            rows.first { $0["name"] as? String == "getpid" }?["calls"] as? Int == WatchSyscallSummaryTests.getpids + 5)
        #expect(
            try ObsctlRunner.reportSchemaErrors(Array(try ObsctlRunner.run(["report", "--json", recording]).stdout))
                == "")
    }

    @Test(
        "watch -c --report: the report's SYSCALLS section is the tree's table, printed once; --per-process's tables follow",
        .requiresEBPF)
    func watchReport() throws {
        let binary = try WatchSyscallSummaryTests.workload()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let header = "% time     seconds  usecs/call     calls    errors syscall"
        let arguments = [
            String(WatchSyscallSummaryTests.getpids), String(WatchSyscallSummaryTests.failedOpens),
            String(WatchSyscallSummaryTests.reads),
        ]
        let run = try ObsctlRunner.run(["watch", "-c", "--report", "--interval", "0", "--", binary] + arguments)
        #expect(run.exitCode == 0)
        #expect(run.lines.filter { $0.hasSuffix(header) }.count == 1)
        #expect(run.lines.contains("  " + header))
        #expect(run.out.contains("\nSYSCALLS  2 processes, "))
        let perProcess = try ObsctlRunner.run(
            ["watch", "-c", "--report", "--per-process", "--interval", "0", "--", binary] + arguments)
        #expect(perProcess.exitCode == 0)
        // The report's table, then one per process.
        #expect(perProcess.lines.filter { $0.hasSuffix(header) }.count == 3)
        #expect(perProcess.lines.filter { $0 == header }.count == 2)
    }
}
