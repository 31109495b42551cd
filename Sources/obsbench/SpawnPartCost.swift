/// `compare --only spawnparts` (issue 23): what a fork+exec of `/bin/true` costs under obsctl,
/// by part.
///
/// A sequential spawn loop (`spawnstorm`) runs bare and under obsctl with fewer or more of the
/// observation on (`--categories lifecycle`, `process`, `all`, each `all`/`process` also with
/// `--no-resolve-paths`), with BPF run-time statistics on and each program's counters caught
/// (`CostedRun`). Each part is a difference or a quotient of those runs, per spawn. The cgroup,
/// which obsctl makes once per `watch` (not per process of the tree), is priced where a spawn pays
/// it: the library's `NativeProcess` loop with and without one (`obsbench spawn`'s `native` and
/// `native-nocg` variants, run here in fresh `spawn-worker` processes).
struct SpawnPartCost {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    /// The obsctl variants of the loop, in the order the table lists them.
    enum Variant: String, CaseIterable {
        case lifecycle = "--categories lifecycle"
        case processNoResolve = "--categories process --no-resolve-paths"
        case process = "--categories process"
        case allNoResolve = "--categories all --no-resolve-paths"
        case all = "--categories all"

        var categories: String {
            switch self {
            case .lifecycle: "lifecycle"
            case .process, .processNoResolve: "process"
            case .all, .allNoResolve: "all"
            }
        }
        var resolvesPaths: Bool { self != .processNoResolve && self != .allNoResolve }
    }

    /// One round: the bare loop, each variant's run, obsctl's idle CPU, the library's two loops.
    struct Round {
        var bare: Launcher.Outcome
        var runs: [Variant: CostedRun] = [:]
        /// obsctl's own CPU for `watch --categories C -- /bin/true`, per categories `C`: its fixed cost.
        var idleObsctlCPUNs: [String: Double] = [:]
        /// The idle run's ns per hit of each program: filtering out an untracked syscall.
        var filterNsPerHit: [String: Double] = [:]
        var native: SpawnWorker.Report?
        var nativeNoCgroup: SpawnWorker.Report?
    }

    func measure() throws -> [ResultTable] {
        guard resolved.obsctl != nil else {
            var table = ResultTable(title: "What a fork+exec of /bin/true costs, by part", columns: [("status", .left)])
            table.add(["skipped: \(resolved.obsctlProblem ?? "no obsctl")"])
            return [table]
        }
        let stats: BPFRunTimeStats
        do { stats = try BPFRunTimeStats() } catch {
            var table = ResultTable(title: "What a fork+exec of /bin/true costs, by part", columns: [("status", .left)])
            table.add(["unavailable: \(error)"])
            return [table]
        }
        defer { stats.end() }
        let spawns = tools.scaled(600)
        let loop = [kit.spawnstorm, "\(spawns)"]
        let ftrace = FtraceStream(reader: kit.tracepipe)
        defer { ftrace.unmountIfMounted() }
        let loopSyscalls = ftrace.countSyscalls(loop)
        common.progress(
            "spawnparts: spawnstorm \(spawns) bare and under \(Variant.allCases.count) obsctl variants, library native/native-nocg loops, 1 warm-up + \(common.rounds) rounds"
        )
        var rounds: [Round] = []
        for round in 0...common.rounds {
            var r = Round(bare: try Launcher.run(loop))
            let order = Variant.allCases.count
            for i in 0..<order {
                let v = Variant.allCases[(i + round) % order]
                r.runs[v] = try CostedRun.run(
                    resolved.obsctlArgv(loop, summary: true, resolvePaths: v.resolvesPaths, categories: v.categories))
            }
            for categories in ["lifecycle", "process", "all"] {
                let idle = try CostedRun.run(resolved.obsctlArgv(["/bin/true"], summary: true, categories: categories))
                r.idleObsctlCPUNs[categories] = idle.obsctlCPUNs ?? 0
                if categories == "all" { r.filterNsPerHit = idle.nsPerHit }
            }
            r.native = worker("native", spawns: spawns)
            r.nativeNoCgroup = worker("native-nocg", spawns: spawns)
            if round > 0 { rounds.append(r) }
            common.progress(
                "  round \(round): bare \(Format.seconds(Double(r.bare.wallNs) / 1e9))s, "
                    + Variant.allCases.map {
                        "\($0.categories)\($0.resolvesPaths ? "" : " no-resolve") \(Format.seconds(r.runs[$0]!.summary.commandSeconds ?? 0))s"
                    }
                    .joined(separator: ", "))
        }
        var tables = [
            variantTable(rounds, spawns: spawns, loopSyscalls: loopSyscalls),
            partTable(rounds, spawns: spawns, loopSyscalls: loopSyscalls),
        ]
        if loopSyscalls == nil {
            tables[1].note(
                "the loop's syscalls could not be counted (\(ftrace.problem ?? "the tracefs count failed")): the syscall rows include every other process's syscalls"
            )
        }
        return tables
    }

    /// One `obsbench spawn-worker` loop of /bin/true in a fresh process.
    func worker(_ variant: String, spawns: Int) -> SpawnWorker.Report? {
        let argv = [
            ToolOptions.selfExecutable, "spawn-worker", "--variant", variant, "--spawns", "\(spawns)", "--program",
            "/bin/true",
        ]
        return Launcher.capture(argv).flatMap { SpawnWorker.Report($0) }
    }

    /// The programs' function names (`bpf/obs_process.bpf.h`, `bpf/obs_syscalls.bpf.h`).
    enum Program {
        static let fork = "obs_sched_process_fork"
        static let exec = "obs_sched_process_exec"
        static let exit = "obs_sched_process_exit"
        static let sysEnter = "obs_raw_sys_enter"
        static let sysExit = "obs_raw_sys_exit"
    }

    /// Nanoseconds per spawn of the programs `names` in `run`.
    static func programNs(_ run: CostedRun, _ names: [String], spawns: Int) -> Double {
        Double(run.programs.filter { names.contains($0.key) }.values.reduce(0) { $0 + $1.ns }) / Double(spawns)
    }

    /// Nanoseconds per spawn of the syscall programs on the loop's own syscalls (estimated, see
    /// `CostedRun.treeNs`), or on every syscall when the loop's could not be counted.
    static func syscallNs(_ round: Round, _ v: Variant, spawns: Int, loopSyscalls: Int?) -> Double {
        let run = round.runs[v]!
        guard let loopSyscalls else { return programNs(run, CostedRun.syscallPrograms, spawns: spawns) }
        return run.treeNs(CostedRun.syscallPrograms, treeSyscalls: loopSyscalls, filterNsPerHit: round.filterNsPerHit)
            / Double(spawns)
    }

    /// Each variant's cost per spawn: wall, the tree's CPU, the programs, obsctl.
    func variantTable(_ rounds: [Round], spawns: Int, loopSyscalls: Int?) -> ResultTable {
        var table = ResultTable(
            title:
                "A spawn loop (spawnstorm \(spawns): fork + exec /bin/true + wait) under obsctl variants, per spawn (median over \(common.rounds) rounds)",
            columns: [
                ("obsctl watch", .left), ("wall µs added", .right), ("tree CPU µs added", .right),
                ("fork ns", .right), ("exec ns", .right), ("exit ns", .right),
                ("sys_enter + sys_exit ns on the loop", .right),
                ("obsctl CPU µs (above idle)", .right),
                ("events", .right),
            ])
        for v in Variant.allCases {
            func median(_ f: (Round, CostedRun) -> Double) -> Double {
                Summary(rounds.map { f($0, $0.runs[v]!) }).median
            }
            table.add([
                v.rawValue,
                Format.fixed(
                    median { r, c in ((c.summary.commandSeconds ?? 0) * 1e9 - Double(r.bare.wallNs)) / 1e3 }
                        / Double(spawns), 0),
                Format.fixed(
                    median { r, c in
                        ((c.summary.commandCPUSeconds ?? 0) * 1e9 - Double(r.bare.userNs + r.bare.systemNs)) / 1e3
                    } / Double(spawns), 0),
                Format.fixed(median { Self.programNs($1, [Program.fork], spawns: spawns) }, 0),
                Format.fixed(median { Self.programNs($1, [Program.exec], spawns: spawns) }, 0),
                Format.fixed(median { Self.programNs($1, [Program.exit], spawns: spawns) }, 0),
                Format.fixed(median { r, _ in Self.syscallNs(r, v, spawns: spawns, loopSyscalls: loopSyscalls) }, 0),
                Format.fixed(
                    median { r, c in ((c.obsctlCPUNs ?? 0) - r.idleObsctlCPUNs[v.categories]!) / 1e3 } / Double(spawns),
                    1),
                Format.fixed(median { Double($1.events) } / Double(spawns), 2),
            ])
        }
        table.note(
            "wall µs added = (the command's own wall time from obsctl's summary − the bare loop's in the same round) / spawns; tree CPU µs added = the same for the loop's user+system time (bare: wait4; observed: the summary's `cpu` line)"
        )
        table.note("fork, exec, exit = obs_sched_process_fork, _exec, _exit; BPF_ENABLE_STATS run_time_ns per spawn")
        table.note(
            "sys_enter + sys_exit on the loop: the syscall programs' run time less their hits beyond the loop's own syscalls (\(loopSyscalls.map { Format.grouped($0) } ?? "not counted"), counted in a tracefs instance) at the filter-only cost per hit of an idle `watch -- /bin/true` in the same round"
        )
        return table
    }

    /// Each part's cost per spawn, derived from the variants.
    func partTable(_ rounds: [Round], spawns: Int, loopSyscalls: Int?) -> ResultTable {
        var table = ResultTable(
            title: "What a fork+exec of /bin/true costs, by part (per spawn, median over \(common.rounds) rounds)",
            columns: [("part", .left), ("µs per spawn", .right), ("how it is measured", .left)])
        let n = Double(spawns)
        /// The median over rounds of `f` (ns per spawn), in µs.
        func median(_ f: (Round) -> Double) -> String { Format.fixed(Summary(rounds.map(f)).median / 1e3, 2) }
        func program(_ r: Round, _ v: Variant, _ name: String) -> Double {
            Self.programNs(r.runs[v]!, [name], spawns: spawns)
        }
        func syscalls(_ r: Round, _ v: Variant) -> Double {
            Self.syscallNs(r, v, spawns: spawns, loopSyscalls: loopSyscalls)
        }
        table.add([
            "exec record, paths resolved (binary, cwd)", median { program($0, .all, Program.exec) },
            "run_time_ns of obs_sched_process_exec under `--categories all`, / spawns",
        ])
        table.add([
            "… of which its path walks",
            median { program($0, .all, Program.exec) - program($0, .allNoResolve, Program.exec) },
            "the same, `all` − `all --no-resolve-paths`",
        ])
        table.add([
            "fork record", median { program($0, .all, Program.fork) }, "obs_sched_process_fork under `all`, / spawns",
        ])
        table.add([
            "exit record (with the OOM mark and RSS reads)", median { program($0, .all, Program.exit) },
            "obs_sched_process_exit under `all`, / spawns",
        ])
        table.add([
            "syscall hooks of the process category (execve pairing; every syscall filtered)",
            median { syscalls($0, .process) },
            "run time of obs_raw_sys_enter + obs_raw_sys_exit on the loop's syscalls (est., see above) under `--categories process`, / spawns",
        ])
        table.add([
            "the loader's opens as file events (2 per spawn), paths resolved",
            median { syscalls($0, .all) - syscalls($0, .process) },
            "the same, `all` − `process`",
        ])
        table.add([
            "… of which their path walks", median { syscalls($0, .all) - syscalls($0, .allNoResolve) },
            "the same, `all` − `all --no-resolve-paths`",
        ])
        table.add([
            "user space: decoding, JSON, writing (obsctl's CPU, other core)",
            median { (($0.runs[.all]!.obsctlCPUNs ?? 0) - $0.idleObsctlCPUNs["all"]!) / n },
            "obsctl's own CPU under `all` − its CPU for `watch -- /bin/true`, / spawns",
        ])
        table.add([
            "… lifecycle only (no BPF): obsctl's CPU",
            median { (($0.runs[.lifecycle]!.obsctlCPUNs ?? 0) - $0.idleObsctlCPUNs["lifecycle"]!) / n },
            "the same under `--categories lifecycle` (against an idle `--categories lifecycle` run)",
        ])
        table.add([
            "wall time added to the loop, `all`",
            median { (($0.runs[.all]!.summary.commandSeconds ?? 0) * 1e9 - Double($0.bare.wallNs)) / n },
            "the command's own wall time (obsctl's summary) − bare, / spawns; includes everything above that runs in the loop's threads, and the wait for a core",
        ])
        table.add([
            "wall time added to the loop, `all --no-resolve-paths`",
            median { (($0.runs[.allNoResolve]!.summary.commandSeconds ?? 0) * 1e9 - Double($0.bare.wallNs)) / n },
            "the same",
        ])
        let withCgroup = rounds.compactMap { r in r.native.flatMap { a in r.nativeNoCgroup.map { (a, $0) } } }
        if !withCgroup.isEmpty {
            table.add([
                "a cgroup per library spawn (wall)",
                Format.fixed(Summary(withCgroup.map { ($0.0.elapsedNs - $0.1.elapsedNs) / n }).median / 1e3, 2),
                "`NativeProcess.run()` loop of /bin/true with a cgroup − without (spawn-worker native − native-nocg); obsctl pays it once per watch, not per process of the tree",
            ])
            table.add([
                "a cgroup per library spawn (CPU of the spawning process)",
                Format.fixed(Summary(withCgroup.map { ($0.0.cpuNs - $0.1.cpuNs) / n }).median / 1e3, 2),
                "the same, the worker's user+system time and its reaped children's",
            ])
        } else {
            table.note("the library's native/native-nocg loops failed: no cgroup row")
        }
        table.note(
            "not separable from the outside: the OOM mark and RSS reads in the exit record (inside obs_sched_process_exit), the start gate (once per watch); run_time_ns excludes the tracepoint's dispatch to the program"
        )
        return table
    }
}
