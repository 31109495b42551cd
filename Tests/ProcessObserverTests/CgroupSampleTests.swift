import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// Samples of contained runs carry their cgroup's own counters (`PerfSample.cgroup`), read from
/// this machine's real cgroups; runs without a cgroup carry none. The children report what they
/// did through a pipe and wait for a line, and the test waits on them and on the event stream,
/// never on a clock.
///
/// Serialized: the CPU test must not compete with the others for the machine's cores.
@Suite("Samples carry the run cgroup's totals", .serialized)
struct CgroupSampleTests {
    static let interval = Duration.milliseconds(100)

    @Test(
        "a contained run that burns 0.6 s of CPU: every sample has cgroup totals, its CPU time never falls, covers the burn, and cpu_pct × interval adds up to it"
    )
    func cpuBurn() throws {
        let pipes = try ChildPipes()
        // Burns until times() says 0.6 s of CPU, prints the CPU seconds used, waits for a line.
        let script =
            "$| = 1; 1 while (times)[0] + (times)[1] < 0.6; my ($u, $s) = times; print $u + $s, \"\\n\"; <STDIN>;"
        let process = NativeProcess(
            .name("perl"), arguments: ["-e", script], standardInput: .fileDescriptor(pipes.read),
            standardOutput: .fileDescriptor(pipes.replyWrite), timeout: .seconds(60))
        let stream = SamplerTests.Stream(
            process.withObserver(ObserverConfig.lifecycle().sampling(every: Self.interval)))
        // Used to the end: dropping the handle would end the run.
        let running = try process.spawn()
        pipes.closeChildEnds()
        let burnt = try #require(pipes.readLine().flatMap(Double.init))
        // The first sample taken after the burn was reported.
        let afterBurn = try SamplerTests.sample(after: Clock.monotonicNs(), from: stream)
        pipes.release()
        let (samples, profile) = try stream.finish()
        #expect(profile.containment == "cgroup2")
        #expect(profile.status == .exited(code: 0))

        let totals = samples.compactMap(\.sample.cgroup)
        #expect(totals.count == samples.count, "every sample of a contained run carries the cgroup's totals")
        #expect(samples.count >= 6, "\(samples.count) samples")
        #expect(samples.allSatisfy { SamplerTests.process($0.sample, running.processID) != nil })
        let cpu = totals.map(\.cpuNanoseconds)
        #expect(zip(cpu, cpu.dropFirst()).allSatisfy { $0 <= $1 }, "cgroup CPU time fell: \(cpu)")
        // times() counts whole clock ticks of the same run time, so it can only be at or below it.
        #expect(burnt >= 0.6)
        let afterBurnCPU = try #require(afterBurn.sample.cgroup).cpuNanoseconds
        #expect(afterBurnCPU >= UInt64((burnt * 1e9).rounded()), "cgroup \(afterBurnCPU) ns, times() \(burnt) s")
        #expect(try #require(cpu.last) >= afterBurnCPU)
        #expect(try #require(cpu.first) < afterBurnCPU)
        // user and system split the run time: each is floored to a microsecond, nothing else lost.
        for t in totals {
            let parts = t.userCPUNanoseconds + t.systemCPUNanoseconds
            #expect(parts <= t.cpuNanoseconds && parts + 1000 >= t.cpuNanoseconds, "\(t)")
        }
        // Each cpu_pct is Δcpu / Δt × 100 with Δt the time between the samples' timestamps: the
        // products give back the CPU time used between the first sample and the last.
        var used = 0.0
        for (previous, next) in zip(samples, samples.dropFirst()) {
            let seconds = Double(next.event.timestampNs - previous.event.timestampNs) / 1e9
            used += try #require(next.sample.cgroup).cpuPercent / 100 * seconds * 1e9
        }
        #expect(abs(used - Double(cpu.last! - cpu.first!)) < 1000, "\(used) ns from cpu_pct")
        // On a hybrid host the run has no memory or pids cgroup without limits, and the v1 blkio
        // hierarchy is not used.
        let layout = CgroupLayout.current()
        if layout.kind == .hybrid {
            #expect(totals.allSatisfy { $0.memoryBytes == nil && $0.taskCount == nil }, "\(totals.last!)")
        }
        if layout.v1["blkio"] != nil {
            #expect(totals.allSatisfy { $0.diskReadBytes == nil && $0.diskWrittenBytes == nil })
        }
    }

    @Test(
        "with memory and process limits the totals have the cgroup's memory, at least what the child touched, and its one task"
    )
    func memoryAndTasks() throws {
        let pipes = try ChildPipes()
        let size: UInt64 = 64 << 20
        // `x` builds the string byte by byte, so every page is touched, not just reserved.
        let script = "$| = 1; my $m = 'a' x \(size); print \"touched\\n\"; <STDIN>; print length($m), \"\\n\";"
        let process = NativeProcess(
            .name("perl"), arguments: ["-e", script], standardInput: .fileDescriptor(pipes.read),
            standardOutput: .fileDescriptor(pipes.replyWrite), timeout: .seconds(60))
        process.limits = ResourceLimits(memoryBytes: 512 << 20, processCount: 16)
        let stream = SamplerTests.Stream(
            process.withObserver(ObserverConfig.lifecycle().sampling(every: Self.interval)))
        let running = try process.spawn()
        pipes.closeChildEnds()
        try #require(pipes.readLine() == "touched")
        let touched = try SamplerTests.sample(after: Clock.monotonicNs(), from: stream)
        pipes.release()
        #expect(pipes.readLine() == "\(size)")
        let (samples, profile) = try stream.finish()
        #expect(profile.containment == "cgroup2")
        let totals = try #require(touched.sample.cgroup)
        let memory = try #require(totals.memoryBytes)
        // The cgroup is charged for the string's pages and more (perl itself, page tables), and
        // the limit holds it below 512 MiB.
        #expect(memory >= size && memory < 512 << 20, "\(memory) bytes")
        // perl is single-threaded and forks nothing.
        #expect(totals.taskCount == 1)
        #expect(touched.sample.processCount == 1)
        #expect(touched.sample.processes.map(\.processID) == [running.processID])
        #expect(samples.allSatisfy { $0.sample.cgroup?.taskCount != nil && $0.sample.cgroup?.memoryBytes != nil })
    }

    @Test("a run contained by its process group only has no cgroup totals in any sample")
    func processGroup() throws {
        let pipes = try ChildPipes()
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "echo ready; read line"], standardInput: .fileDescriptor(pipes.read),
            standardOutput: .fileDescriptor(pipes.replyWrite), timeout: .seconds(60), containment: .processGroup)
        let stream = SamplerTests.Stream(
            process.withObserver(ObserverConfig.lifecycle().sampling(every: Self.interval)))
        let running = try process.spawn()
        pipes.closeChildEnds()
        try #require(pipes.readLine() == "ready")
        // Two samples taken while it waits, then let it go.
        let start = Clock.monotonicNs()
        _ = try SamplerTests.sample(after: start, from: stream)
        _ = try SamplerTests.sample(after: start, from: stream)
        pipes.release()
        let (samples, profile) = try stream.finish()
        #expect(profile.containment == "process-group")
        #expect(profile.tree == nil)
        #expect(samples.count >= 2)
        #expect(samples.allSatisfy { $0.sample.cgroup == nil })
        #expect(samples.allSatisfy { SamplerTests.process($0.sample, running.processID) != nil })
    }
}
