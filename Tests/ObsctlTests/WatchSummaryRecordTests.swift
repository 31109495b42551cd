import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// The two ways a process's syscall summary reaches user space: built in the kernel at its exit
/// (`obs_sc_rec`, the default where `bpf_loop` and `bpf_map_lookup_percpu_elem` exist), or read
/// from the maps by user space at its exit record (`OBS_SC_EMIT=user`). A program of 40 distinct
/// syscalls, more than one summary record holds (32), must give strace's counts both ways, and
/// with each counted call's start kept in an `obs_inflight` entry (`OBS_SC_START=inflight`, as on
/// a kernel without task storage) instead of the task's storage.
@Suite("obsctl watch -c: the summary built in the kernel and read by user space agree with strace")
struct WatchSummaryRecordTests {
    static let rounds = 7

    /// `Fixtures/many_syscalls.c`, compiled static for this run.
    static func program() throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/many_syscalls.c").path
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "obs-many-syscalls-\(getpid())-\(UUID().uuidString.prefix(8))"
        ).path
        let cc = try NativeProcess(
            .name("cc"), arguments: ["-static", "-O2", "-o", binary, source], standardInput: .null,
            standardOutput: .capture(maxBytes: 1 << 20), standardError: .capture(maxBytes: 1 << 20)
        ).run()
        #expect(cc.status == .exited(code: 0), "cc: \(String(decoding: cc.standardError ?? [], as: UTF8.self))")
        return binary
    }

    /// The names the program calls `rounds` times each (`many_syscalls.c`).
    static let names = [
        "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "gettid", "getsid", "getpgid", "getpriority",
        "sched_yield", "uname", "umask", "times", "getrusage", "sysinfo", "getcwd", "prlimit64",
        "sched_getscheduler", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "getresuid",
        "getresgid", "getgroups", "personality", "prctl", "getcpu", "clock_gettime", "clock_getres",
        "gettimeofday", "sched_getaffinity", "getitimer", "rt_sigpending", "sigaltstack", "lseek", "fcntl",
        "ioprio_get", "getrandom", "membarrier",
    ]

    @Test(
        "40 distinct syscalls: one syscalls event with strace's counts, whichever side builds it and wherever the calls' starts are kept",
        .requiresEBPF, arguments: zip(["kernel", "user", "kernel"], ["task", "task", "inflight"]))
    func agree(emit: String, start: String) throws {
        let binary = try Self.program()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let run = try ObsctlRunner.run(
            [
                "watch", "-c", "--json", "--interval", "0", "--categories", "lifecycle", "--", binary,
                String(Self.rounds),
            ],
            environment: ["OBS_SC_EMIT": emit, "OBS_SC_START": start])
        #expect(run.exitCode == 0, "\(run.err)")
        let summaries = try ObsctlRunner.events(run.lines).filter { $0["kind"] as? String == "syscalls" }
        #expect(summaries.count == 1)
        let entries = try #require(summaries.first?["syscalls"] as? [[String: Any]])
        #expect(entries.count > 32)
        var counts = WatchSyscallSummaryTests.Counts()
        for entry in entries {
            let name = try #require(entry["name"] as? String)
            let calls = try #require(entry["calls"] as? Int)
            #expect(counts.calls[name] == nil, "\(name) listed twice")
            counts.calls[name] = calls
            if let e = entry["errors"] as? Int, e > 0 { counts.errors[name] = e }
            #expect((entry["histogram"] as? [Int] ?? []).reduce(0, +) == calls, "\(name): histogram")
        }
        for name in Self.names { #expect((counts.calls[name] ?? 0) >= Self.rounds, "\(name)") }
        #expect(counts.calls["getpid"] == Self.rounds)
        #expect(counts.calls["membarrier"] == Self.rounds)
        #expect(counts == (try WatchSyscallSummaryTests.strace(binary, [String(Self.rounds)])))
    }

    /// The summary of the program under `environment` (the map sizes), and strace's counts.
    func summarize(emit: String, environment: [String: String]) throws -> (
        entries: [[String: Any]], dropped: Int, strace: WatchSyscallSummaryTests.Counts
    ) {
        let binary = try Self.program()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let run = try ObsctlRunner.run(
            [
                "watch", "-c", "--json", "--interval", "0", "--categories", "lifecycle", "--", binary,
                String(Self.rounds),
            ],
            environment: environment.merging(["OBS_SC_EMIT": emit]) { $1 })
        #expect(run.exitCode == 0, "\(run.err)")
        let summaries = try ObsctlRunner.events(run.lines).filter { $0["kind"] as? String == "syscalls" }
        #expect(summaries.count == 1)
        let entries = try #require(summaries.first?["syscalls"] as? [[String: Any]])
        let dropped = try #require(summaries.first?["dropped"] as? Int)
        return (entries, dropped, try WatchSyscallSummaryTests.strace(binary, [String(Self.rounds)]))
    }

    /// Calls and errors per name of a summary's entries.
    static func counts(_ entries: [[String: Any]]) throws -> WatchSyscallSummaryTests.Counts {
        var counts = WatchSyscallSummaryTests.Counts()
        for entry in entries {
            let name = try #require(entry["name"] as? String)
            #expect(counts.calls[name] == nil, "\(name) listed twice")
            counts.calls[name] = try #require(entry["calls"] as? Int)
            if let e = entry["errors"] as? Int, e > 0 { counts.errors[name] = e }
        }
        return counts
    }

    @Test(
        "8 preallocated entries for 40 syscalls: the rest go to the map allocated on use, and the counts are still strace's",
        .requiresEBPF, arguments: ["kernel", "user"])
    func spilled(emit: String) throws {
        let (entries, dropped, strace) = try summarize(emit: emit, environment: ["OBS_SC_STATS_ENTRIES": "8"])
        #expect(entries.count > 32)
        #expect(dropped == 0)
        #expect(try Self.counts(entries) == strace)
    }

    @Test(
        "both maps full (8 entries each): 16 syscalls listed with strace's counts, every other call in dropped",
        .requiresEBPF, arguments: ["kernel", "user"])
    func full(emit: String) throws {
        let (entries, dropped, strace) = try summarize(
            emit: emit, environment: ["OBS_SC_STATS_ENTRIES": "8", "OBS_SC_SPILL_ENTRIES": "8"])
        let counts = try Self.counts(entries)
        #expect(entries.count == 16)
        // A pair that got an entry counts every call of it; a pair that did not, none.
        for (name, calls) in counts.calls { #expect(strace.calls[name] == calls, "\(name)") }
        let listed = counts.calls.values.reduce(0, +)
        #expect(dropped == strace.calls.values.reduce(0, +) - listed)
        #expect(dropped >= 24 * Self.rounds)
    }
}
