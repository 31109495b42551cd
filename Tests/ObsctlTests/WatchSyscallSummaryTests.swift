import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// `obsctl watch -c` (the syscall summary, issue 19) against a workload of known syscalls and
/// against `strace -f -c` of the same workload: the counts are the program's own and strace's.
@Suite("obsctl watch -c: the syscall summary, end to end")
struct WatchSyscallSummaryTests {
    static let getpids = 100
    static let failedOpens = 7
    static let reads = 13

    /// The workload, compiled static with cc for this run.
    static func workload() throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/syscall_workload.c").path
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "obs-syscall-workload-\(getpid())-\(UUID().uuidString.prefix(8))"
        ).path
        let cc = try NativeProcess(
            .name("cc"), arguments: ["-static", "-O2", "-pthread", "-o", binary, source], standardInput: .null,
            standardOutput: .capture(maxBytes: 1 << 20), standardError: .capture(maxBytes: 1 << 20)
        ).run()
        #expect(cc.status == .exited(code: 0), "cc: \(String(decoding: cc.standardError ?? [], as: UTF8.self))")
        return binary
    }

    var arguments: [String] { [String(Self.getpids), String(Self.failedOpens), String(Self.reads)] }

    /// Calls and errors per syscall name, summed over the tree's `syscalls` events.
    struct Counts: Equatable, CustomStringConvertible {
        var calls: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var description: String {
            calls.keys.sorted().map { "\($0) \(calls[$0]!)/\(errors[$0] ?? 0)" }.joined(separator: ", ")
        }
        /// Without the calls whose count depends on timing: futex (pthread_join waits only when
        /// the thread has not ended yet).
        var deterministic: Counts {
            var copy = self
            copy.calls["futex"] = nil
            copy.errors["futex"] = nil
            return copy
        }
    }

    /// `strace -f -c`'s table, read back: name → calls, errors.
    static func strace(_ binary: String, _ arguments: [String]) throws -> Counts {
        let table = FileManager.default.temporaryDirectory.appendingPathComponent("strace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: table) }
        let run = try NativeProcess(
            .name("strace"), arguments: ["-f", "-c", "-o", table, binary] + arguments, standardInput: .null,
            standardOutput: .capture(maxBytes: 1 << 20), standardError: .capture(maxBytes: 1 << 20)
        ).run()
        #expect(run.status == .exited(code: 0))
        var counts = Counts()
        for line in try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            // "% time seconds usecs/call calls [errors] syscall": errors is blank when 0.
            guard fields.count >= 5, Double(fields[0]) != nil, let name = fields.last, name != "total" else { continue }
            counts.calls[String(name)] = Int(fields[3])
            if fields.count == 6 { counts.errors[String(name)] = Int(fields[4]) }
        }
        return counts
    }

    @Test(
        "the summary of a known workload: the program's own counts, strace -f -c's counts, ordered times, the JSON schema",
        .requiresEBPF)
    func exactness() throws {
        let binary = try Self.workload()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let run = try ObsctlRunner.run(["watch", "-c", "--json", "--interval", "0", "--", binary] + arguments)
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        let events = try ObsctlRunner.events(run.lines)
        let summaries = events.filter { $0["kind"] as? String == "syscalls" }
        // One per process: the workload and its child; each before its exit.
        let pids = Set(events.filter { $0["kind"] as? String == "exit" }.compactMap { $0["pid"] as? Int })
        #expect(pids.count == 2)
        #expect(Set(summaries.compactMap { $0["pid"] as? Int }) == pids)
        #expect(summaries.count == 2)

        var counts = Counts()
        var errnos: [String: [String: Int]] = [:]
        for summary in summaries {
            #expect(summary["category"] as? String == "process")
            #expect(summary["dropped"] as? Int == 0)
            for entry in try #require(summary["syscalls"] as? [[String: Any]]) {
                let name = try #require(entry["name"] as? String)
                let calls = try #require(entry["calls"] as? Int)
                let total = try #require(entry["total_ns"] as? Int)
                let minNs = try #require(entry["min_ns"] as? Int)
                let maxNs = try #require(entry["max_ns"] as? Int)
                counts.calls[name, default: 0] += calls
                if let e = entry["errors"] as? Int, e > 0 { counts.errors[name, default: 0] += e }
                for (errno, n) in entry["errnos"] as? [String: Int] ?? [:] {
                    errnos[name, default: [:]][errno, default: 0] += n
                }
                #expect(total > 0, "\(name): no time")
                #expect(
                    minNs <= total / calls && total / calls <= maxNs, "\(name): \(minNs) ≤ \(total / calls) ≤ \(maxNs)")
                #expect((entry["histogram"] as? [Int] ?? []).reduce(0, +) == calls, "\(name): histogram")
            }
        }
        // The program's own counts (built static: no loader calls).
        #expect(counts.calls["getpid"] == Self.getpids + 5)
        #expect(counts.errors["getpid"] == nil)
        #expect(counts.calls["openat"] == Self.failedOpens + 1)
        #expect(counts.errors["openat"] == Self.failedOpens)
        #expect(errnos["openat"] == ["ENOENT": Self.failedOpens])
        #expect(counts.calls["read"] == Self.reads)
        #expect(counts.calls["execve"] == 2)
        #expect(counts.calls["clone"] == 1)  // fork
        #expect(counts.calls["clone3"] == 1)  // pthread_create
        #expect(counts.calls["wait4"] == 1)
        // Never listed: exit and exit_group do not return (as strace -c).
        #expect(counts.calls["exit"] == nil && counts.calls["exit_group"] == nil)
        // strace's counts of the same workload, call for call.
        #expect(counts.deterministic == (try Self.strace(binary, arguments)).deterministic)
    }

    @Test(
        "the table strace users know, for the tree and with --per-process per process; without -c no summaries",
        .requiresEBPF)
    func table() throws {
        let binary = try Self.workload()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let header = "% time     seconds  usecs/call     calls    errors syscall"
        let run = try ObsctlRunner.run(["watch", "-c", "--no-summary", "--interval", "0", "--", binary] + arguments)
        #expect(run.exitCode == 0)
        let lines = run.out.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: header))
        #expect(lines.filter { $0 == header }.count == 1)
        let getpid = try #require(lines[start...].first { $0.hasSuffix(" getpid") })
        #expect(getpid.split(separator: " ").dropLast().last == "\(Self.getpids + 5)")
        let openat = try #require(lines[start...].first { $0.hasSuffix(" openat") })
        #expect(
            Array(openat.split(separator: " ").suffix(3)) == [
                "\(Self.failedOpens + 1)", "\(Self.failedOpens)", "openat",
            ])
        #expect(lines.last?.hasPrefix("100.00 ") == true)
        #expect(lines.last?.hasSuffix(" total") == true)

        let perProcess = try ObsctlRunner.run(
            ["watch", "-c", "--per-process", "--no-summary", "--interval", "0", "--", binary] + arguments)
        #expect(perProcess.exitCode == 0)
        #expect(perProcess.out.split(separator: "\n").filter { $0 == header }.count == 2)

        let off = try ObsctlRunner.run(["watch", "--json", "--interval", "0", "--", binary] + arguments)
        #expect(off.exitCode == 0)
        #expect(try ObsctlRunner.events(off.lines).filter { $0["kind"] as? String == "syscalls" }.isEmpty)
        #expect(!off.out.contains(header))
    }

    @Test("--per-process without -c is a usage error")
    func perProcessNeedsSummary() throws {
        let run = try ObsctlRunner.run(["watch", "--per-process", "--", "true"])
        #expect(run.exitCode == 64)
        #expect(run.err.contains("--per-process applies to the syscall summary: add -c (--syscall-summary)."))
    }
}
