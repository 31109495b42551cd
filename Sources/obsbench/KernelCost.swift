/// `compare --only kernelcost` (issue 23): where an observed workload's time goes, told apart as
/// the kernel's cost (each BPF program's `run_time_ns` over its hits, from `BPF_ENABLE_STATS`),
/// obsctl's user-space cost (its own CPU above an idle run's) and what is left of the workload's
/// slowdown (contention for the two cores, and the kernel's work outside the programs).
///
/// Statistics are on only while this section runs (never during the timed workload rows): the
/// kernel then reads the clock twice around every program run, which makes each hit a few tens
/// of ns dearer, for every program on the machine.
struct KernelCost {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    /// One round's figures for one workload.
    struct Sample {
        var bare: Launcher.Outcome
        var observed: CostedRun
        /// obsctl's own CPU for `watch -- /bin/true` in the same round: its fixed cost.
        var idleObsctlCPUNs: Double
        /// Each program's ns per hit in that idle run: the cost of filtering out an untracked syscall.
        var filterNsPerHit: [String: Double]
    }

    func measure() throws -> [ResultTable] {
        guard resolved.obsctl != nil else {
            var table = ResultTable(title: "Kernel cost per program", columns: [("status", .left)])
            table.add(["skipped: \(resolved.obsctlProblem ?? "no obsctl")"])
            return [table]
        }
        let stats: BPFRunTimeStats
        do { stats = try BPFRunTimeStats() } catch {
            var table = ResultTable(title: "Kernel cost per program", columns: [("status", .left)])
            table.add(["unavailable: \(error)"])
            return [table]
        }
        defer { stats.end() }
        let workloads = WorkloadMatrix.workloads(tools: tools, kit: kit)
        var samples: [String: [Sample]] = [:]
        let ftrace = FtraceStream(reader: kit.tracepipe)
        defer { ftrace.unmountIfMounted() }
        var treeSyscalls: [String: Int] = [:]
        for workload in workloads { treeSyscalls[workload.name] = ftrace.countSyscalls(workload.argv) }
        common.progress(
            "kernelcost: \(workloads.count) workloads bare and under obsctl with BPF run-time statistics on, 1 warm-up + \(common.rounds) rounds"
        )
        for round in 0...common.rounds {
            let idle = try CostedRun.run(resolved.obsctlArgv(["/bin/true"], summary: true))
            guard let idleCPU = idle.obsctlCPUNs else {
                throw CostedRun.Failure(description: "obsctl's summary has no `cpu` line")
            }
            for workload in workloads {
                var bare: Launcher.Outcome?
                var observed: CostedRun?
                for step in round % 2 == 0 ? [0, 1] : [1, 0] {
                    if step == 0 {
                        bare = try Launcher.run(workload.argv)
                    } else {
                        observed = try CostedRun.run(resolved.obsctlArgv(workload.argv, summary: true))
                    }
                }
                guard round > 0 else { continue }
                samples[workload.name, default: []].append(
                    Sample(
                        bare: bare!, observed: observed!, idleObsctlCPUNs: idleCPU, filterNsPerHit: idle.nsPerHit))
                common.progress(
                    "  round \(round) \(workload.name): bare \(Format.seconds(Double(bare!.wallNs) / 1e9))s, "
                        + "programs \(Format.milliseconds(Double(observed!.programNs))) over \(observed!.summary.kernelEvents) events"
                )
            }
        }
        var split = splitTable(workloads, samples, treeSyscalls)
        if let problem = ftrace.problem { split.note("tree syscalls not counted: \(problem)") }
        return [programTable(workloads, samples), split]
    }

    /// Each program's hits and run time per workload.
    func programTable(_ workloads: [Workload], _ samples: [String: [Sample]]) -> ResultTable {
        var table = ResultTable(
            title:
                "Kernel cost per program (BPF_ENABLE_STATS run_time_ns / run_cnt, median over \(common.rounds) rounds)",
            columns: [
                ("workload", .left), ("program", .left), ("hits per run", .right), ("ns per hit", .right),
                ("ms per run", .right), ("ns per event delivered", .right),
            ])
        for workload in workloads {
            guard let runs = samples[workload.name] else { continue }
            let names = Set(runs.flatMap { $0.observed.programs.keys }).sorted()
            for name in names {
                func median(_ f: (CostedRun, (ns: UInt64, hits: UInt64)) -> Double) -> Double {
                    Summary(runs.map { f($0.observed, $0.observed.programs[name] ?? (0, 0)) }).median
                }
                table.add([
                    workload.name, name, Format.grouped(Int(median { Double($1.hits) })),
                    Format.fixed(median { $1.hits == 0 ? 0 : Double($1.ns) / Double($1.hits) }, 0),
                    Format.fixed(median { Double($1.ns) } / 1e6, 2),
                    Format.fixed(median { Double($1.ns) / Double(max(1, $0.summary.kernelEvents)) }, 0),
                ])
            }
        }
        table.note(
            "programs by their function names (bpf/): obs_raw_sys_enter and obs_raw_sys_exit run on every syscall of every process on the machine, obsctl's tree or not, and filter; the sched_process programs run on every fork, exec and exit on the machine"
        )
        table.note(
            "ns per event delivered = the program's run time / the kernel events (file + network + process) obsctl delivered in that run; run_time_ns covers the program only, not the tracepoint's dispatch to it (bpf_trace_run, RCU), and counting adds a few tens of ns per hit"
        )
        table.note(
            "the programs are caught by id as obsctl loads them, checked against its /proc/PID/fdinfo, and held open so their counters survive its exit"
        )
        return table
    }

    /// Kernel cost, user-space cost and the rest of the slowdown, per workload.
    func splitTable(_ workloads: [Workload], _ samples: [String: [Sample]], _ treeSyscalls: [String: Int])
        -> ResultTable
    {
        var table = ResultTable(
            title:
                "Where an observed workload's time goes: kernel, obsctl, contention (median over \(common.rounds) rounds)",
            columns: [
                ("workload", .left), ("kernel events", .right), ("tree syscalls", .right),
                ("BPF ms, machine-wide", .right), ("BPF ms on the tree (est.)", .right),
                ("tree BPF ns/event (est.)", .right),
                ("obsctl CPU ms (above idle)", .right), ("obsctl µs/event", .right),
                ("workload CPU ms bare → observed", .right), ("wall s bare → observed", .right),
                ("slowdown", .right), ("wall added ms", .right),
            ])
        for workload in workloads {
            guard let runs = samples[workload.name] else { continue }
            func median(_ f: (Sample) -> Double) -> Double { Summary(runs.map(f)).median }
            let events = median { Double($0.observed.summary.kernelEvents) }
            let bpf = median { Double($0.observed.programNs) }
            let syscalls = treeSyscalls[workload.name]
            let onTree = syscalls.map { n in
                median {
                    $0.observed.treeNs(
                        Array($0.observed.programs.keys), treeSyscalls: n, filterNsPerHit: $0.filterNsPerHit)
                }
            }
            let userSpace = median { ($0.observed.obsctlCPUNs ?? 0) - $0.idleObsctlCPUNs }
            let cpuBare = median { Double($0.bare.userNs + $0.bare.systemNs) }
            let cpuObserved = median { ($0.observed.summary.commandCPUSeconds ?? 0) * 1e9 }
            let wallBare = median { Double($0.bare.wallNs) }
            let wallObserved = median { ($0.observed.summary.commandSeconds ?? 0) * 1e9 }
            let slowdown = median { ($0.observed.summary.commandSeconds ?? 0) * 1e9 / Double($0.bare.wallNs) }
            let added = median { ($0.observed.summary.commandSeconds ?? 0) * 1e9 - Double($0.bare.wallNs) }
            table.add([
                workload.name, Format.grouped(Int(events)), syscalls.map { Format.grouped($0) } ?? "n/a",
                Format.fixed(bpf / 1e6, 1), onTree.map { Format.fixed($0 / 1e6, 1) } ?? "n/a",
                onTree.map { Format.fixed($0 / max(1, events), 0) } ?? "n/a", Format.fixed(userSpace / 1e6, 1),
                Format.fixed(userSpace / 1e3 / max(1, events), 2),
                "\(Format.fixed(cpuBare / 1e6, 0)) → \(Format.fixed(cpuObserved / 1e6, 0))",
                "\(Format.seconds(wallBare / 1e9)) → \(Format.seconds(wallObserved / 1e9))", Format.ratio(slowdown),
                Format.fixed(added / 1e6, 0),
            ])
        }
        table.note(
            "kernel: `BPF ms, machine-wide` is all obsctl's programs' run time in the run: the workload's threads, and every other process's syscalls (obsctl's own, other work on the VM), which the syscall programs filter out; `tree syscalls` is the workload's syscall count (raw_syscalls:sys_enter in a tracefs instance restricted to its tree, one bare run); `on the tree (est.)` removes the syscall programs' hits beyond the tree's syscalls at the per-hit cost they had in an idle run (`watch -- /bin/true`: filtering out only); ns/event divides it by the kernel events delivered"
        )
        table.note(
            "user space: obsctl's own CPU (its wait4 rusage minus the command's, which its summary's `cpu` line prints) minus that of `obsctl watch -- /bin/true` in the same round (start-up, BPF load and verification, exit), so what is left is decoding, JSON and writing; µs/event divides it by the kernel events; it runs on the other core, beside the workload"
        )
        table.note(
            "contention: `wall s` observed is the command's own wall time from obsctl's summary (attached; obsctl's start-up and exit excluded), against a bare run in the same round; `workload CPU` is the command tree's user+system time (bare: wait4; observed: the summary's `cpu` line), which includes the BPF ms; wall added beyond what the tree's extra CPU explains is waiting for a core (obsctl's threads compete with the workload's on two cores)"
        )
        table.note(
            "statistics on (BPF_ENABLE_STATS) during this section only: each hit costs a little more here than in the workload rows"
        )
        return table
    }
}
