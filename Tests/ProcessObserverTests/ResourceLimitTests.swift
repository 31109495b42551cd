import Glibc
import Testing

@testable import ProcessObserver

/// Limits on a whole run, on this machine's real cgroups (v1 memory, pids and cpu on this hybrid
/// host), with the kernel enforcing them.
@Suite("Resource limits of a run", .serialized)
struct ResourceLimitTests {
    @Test("a memory limit below what the child touches: one OOM kill, a limit event, the exact reason")
    func oom() throws {
        let process = NativeProcess(
            .name("perl"), arguments: ["-e", "$x = 'a' x (256 * 1024 * 1024); print 'survived'"],
            standardOutput: .capture(maxBytes: 64), timeout: .seconds(30))
        process.limits = ResourceLimits(memoryBytes: 64 << 20)
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .signaled(signal: SIGKILL, coreDumped: false))
        #expect(result.profile.killedByOOM)
        #expect(result.standardOutput == [])
        let kinds = events.collect().map(\.kind)
        #expect(kinds.map(\.name) == ["started", "limit", "exited", "profile"])
        guard case .limit(let limit) = kinds[1] else { return }
        #expect(limit == LimitReached(resource: .memory, count: 1, limit: 64 << 20))
        #expect(result.profile.tree?.peakMemoryBytes.map { $0 <= 64 << 20 } == true)
    }

    @Test("a process limit: forks beyond it fail, and the run says how many were refused")
    func pids() throws {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "for i in 1 2 3 4 5 6; do sleep 0.2 & done 2>/dev/null; wait"],
            standardError: .null, timeout: .seconds(30))
        process.limits = ResourceLimits(processCount: 3)
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(!result.profile.killedByOOM)
        let limits = events.collect().compactMap { event -> LimitReached? in
            if case .limit(let limit) = event.kind { return limit }
            return nil
        }
        // sh and two sleeps fill the three slots; the 4th fork fails and sh gives up ("Cannot fork").
        #expect(limits == [LimitReached(resource: .pids, count: 1, limit: 3)])
        #expect(result.status == .exited(code: 2))
    }

    /// The `limit` events of `events`, each with how long before the root's `exited` it came.
    private func limitsBeforeExit(_ events: [ObserverEvent]) throws -> [(LimitReached, UInt64)] {
        let exited = try #require(events.first { if case .exited = $0.kind { true } else { false } })
        return events.compactMap { event in
            guard case .limit(let limit) = event.kind else { return nil }
            return (limit, exited.timestampNs - min(exited.timestampNs, event.timestampNs))
        }
    }

    @Test("an OOM kill of a child is a limit event as it happens, while the root runs on; the root is not OOM-killed")
    func oomAsItHappens() throws {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "perl -e '$x = q(a) x (256 * 1024 * 1024)'; sleep 0.6; exit 0"],
            standardError: .null, timeout: .seconds(30))
        process.limits = ResourceLimits(memoryBytes: 64 << 20)
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .exited(code: 0))
        #expect(!result.profile.killedByOOM)
        let all = events.collect()
        #expect(all.map(\.kind.name) == ["started", "limit", "exited", "profile"])
        let limits = try limitsBeforeExit(all)
        #expect(limits.map(\.0) == [LimitReached(resource: .memory, count: 1, limit: 64 << 20)])
        // Published when the kernel killed, not when the run ended 0.6 s later.
        #expect(limits.allSatisfy { $0.1 >= 300_000_000 }, "\(limits.map(\.1))")
    }

    @Test(
        "the kernel names the OOM killer's victim: the child's exit says so, its siblings' and the root's do not",
        .requiresEBPF)
    func oomVictimNamed() throws {
        // A sibling the kernel kills with SIGKILL too, but not the OOM killer: only the mark tells
        // the two apart.
        let process = NativeProcess(
            .name("sh"),
            arguments: [
                "-c",
                "sleep 30 & s=$!; perl -e '$x = q(a) x (256 * 1024 * 1024)'; kill -9 $s; wait; exit 0",
            ], standardError: .null, timeout: .seconds(30))
        process.limits = ResourceLimits(memoryBytes: 64 << 20)
        let events = process.withObserver(ObserverConfig(categories: [.process], bufferCapacity: 1 << 16))
        let result = try process.run()
        #expect(result.status == .exited(code: 0))
        #expect(!result.profile.killedByOOM)
        let all = events.collect()
        var program: [Int32: String] = [:]
        for event in all {
            if case .exec(let exec) = event.kind {
                program[event.processID] = exec.path.value.string.split(separator: "/").last.map(String.init)
            }
        }
        let exits = all.compactMap { event -> (String, ProcessEnd)? in
            guard case .exit(let end) = event.kind else { return nil }
            // How each ended; the peak RSS figures are KernelPeakRSSTests' subject.
            return (program[event.processID] ?? "?", ProcessEnd(end.status, killedByOOM: end.killedByOOM))
        }
        let sigkill = ExitStatus.signaled(signal: SIGKILL, coreDumped: false)
        #expect(exits.filter { $0.1.killedByOOM }.map(\.0) == ["perl"])
        #expect(exits.first { $0.0 == "perl" }?.1 == ProcessEnd(sigkill, killedByOOM: true))
        #expect(exits.first { $0.0 == "sleep" }?.1 == ProcessEnd(sigkill, killedByOOM: false))
        #expect(exits.last?.1 == ProcessEnd(.exited(code: 0)))
        let exited = all.compactMap { event -> ProcessEnd? in
            if case .exited(let end) = event.kind { end } else { nil }
        }
        #expect(exited == [ProcessEnd(.exited(code: 0))])
        #expect(all.filter { $0.kind.name == "limit" }.count == 1)
    }

    @Test("the root's own OOM kill is the kernel's mark on its exited event, and the profile's", .requiresEBPF)
    func oomRootMarked() throws {
        let process = NativeProcess(
            .name("perl"), arguments: ["-e", "$x = 'a' x (256 * 1024 * 1024)"], timeout: .seconds(30))
        process.limits = ResourceLimits(memoryBytes: 64 << 20)
        let events = process.withObserver(ObserverConfig(categories: [.process], bufferCapacity: 1 << 16))
        let result = try process.run()
        let sigkill = ExitStatus.signaled(signal: SIGKILL, coreDumped: false)
        #expect(result.status == sigkill)
        #expect(result.profile.killedByOOM)
        let all = events.collect()
        let ends = all.compactMap { event -> String? in
            switch event.kind {
            case .exit(let end): "exit \(end.killedByOOM)"
            case .exited(let end): "exited \(end.killedByOOM)"
            default: nil
            }
        }
        #expect(ends == ["exit true", "exited true"])
    }

    @Test("a refused fork is a limit event as it happens, while the root runs on")
    func pidsAsItHappens() throws {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "(for i in 1 2 3 4; do sleep 0.8 & done) 2>/dev/null; sleep 0.6"],
            standardError: .null, timeout: .seconds(30))
        process.limits = ResourceLimits(processCount: 3)
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .exited(code: 0))
        let limits = try limitsBeforeExit(events.collect())
        // sh, the subshell and one sleep fill the three slots; the subshell's next fork fails and
        // it gives up.
        #expect(limits.map(\.0) == [LimitReached(resource: .pids, count: 1, limit: 3)])
        #expect(limits.allSatisfy { $0.1 >= 300_000_000 }, "\(limits.map(\.1))")
    }

    @Test("a CPU limit is written as the run's CFS quota over a 100 ms period")
    func cpu() throws {
        let layout = CgroupLayout.current()
        let mount = try #require(layout.v1["cpu"]?.mountPoint ?? layout.unified?.mountPoint)
        let file = layout.v1["cpu"] != nil ? "cpu.cfs_quota_us" : "cpu.max"
        let controller = layout.v1["cpu"] != nil ? ":cpu:" : "0::"
        let script = "p=$(grep '\(controller)' /proc/self/cgroup | cut -d: -f3); cat \(mount)$p/\(file)"
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", script], standardOutput: .capture(maxBytes: 64), timeout: .seconds(30))
        process.limits = ResourceLimits(cpuCores: 0.25)
        let result = try process.run()
        #expect(result.status == .exited(code: 0))
        let written = String(decoding: result.standardOutput ?? [], as: UTF8.self)
        #expect(written == (file == "cpu.max" ? "25000 100000\n" : "25000\n"))
    }

    @Test("limits without a cgroup are refused, not dropped")
    func limitsNeedACgroup() {
        let process = NativeProcess(.name("true"), containment: .processGroup)
        process.limits = ResourceLimits(memoryBytes: 1 << 30)
        do {
            _ = try process.spawn()
            Issue.record("a limited run without a cgroup should not start")
        } catch {
            #expect(error.code == .containmentFailed)
            #expect(
                error.message
                    == "Limiting the run failed: limits need a cgroup for the run, and containment is .processGroup.")
        }
    }
}
