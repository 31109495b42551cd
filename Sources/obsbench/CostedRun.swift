/// One `obsctl watch` run whose BPF programs were caught (`ProgramCatcher`), with what it printed
/// and what it cost: the kernel's counters per program, and obsctl's own CPU time.
///
/// obsctl's own CPU is its `wait4` rusage (user+system, every thread, plus every child it reaped)
/// minus the command's, which obsctl prints in its summary's `cpu` line: that line is the rusage
/// `wait4` gave obsctl for the command's root, the very figure the kernel adds to obsctl's
/// children's totals. What is left is obsctl's threads (start-up, the BPF load, which the kernel
/// charges to obsctl as system time, decoding, JSON, writing, exit) and the spawn helper's and
/// watchdog's CPU when obsctl reaped them before exiting. The summary prints milliseconds, so the
/// difference is good to about a millisecond per run.
struct CostedRun {
    var outcome: Launcher.Outcome
    var summary: ObsctlSummary
    /// Per program name (summed when a name was loaded twice): run time and hits.
    var programs: [String: (ns: UInt64, hits: UInt64)]

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// obsctl's own CPU nanoseconds, nil when the summary has no `cpu` line.
    var obsctlCPUNs: Double? {
        guard let command = summary.commandCPUSeconds else { return nil }
        return Double(outcome.userNs + outcome.systemNs) - command * 1e9
    }

    /// Every event obsctl delivered (kernel and lifecycle).
    var events: Int { summary.events.values.reduce(0, +) }

    /// All programs' run time in nanoseconds.
    var programNs: UInt64 { programs.values.reduce(0) { $0 + $1.ns } }

    /// Runs `argv` (an `obsctl watch … --` command line that keeps its summary) while catching its programs.
    static func run(_ argv: [String], environment: [String: String] = [:]) throws -> CostedRun {
        let catcher = ProgramCatcher()
        let (outcome, text) = try Launcher.runCapturing(argv, environment: environment) { catcher.start(pid: $0) }
        let stats = catcher.finish()
        guard let summary = ObsctlSummary(text) else {
            throw Failure(description: "\(argv.joined(separator: " ")) printed no summary (\(outcome.describeStatus))")
        }
        guard outcome.exitedCleanly else {
            throw Failure(description: "\(argv.joined(separator: " ")) ended with \(outcome.describeStatus)")
        }
        var programs: [String: (ns: UInt64, hits: UInt64)] = [:]
        for s in stats {
            let old = programs[s.name] ?? (0, 0)
            programs[s.name] = (old.ns + s.runTimeNs, old.hits + s.runCount)
        }
        return CostedRun(outcome: outcome, summary: summary, programs: programs)
    }
}

extension CostedRun {
    /// The syscall programs (`bpf/obs_syscalls.bpf.h`): they run on every syscall on the machine.
    static let syscallPrograms = ["obs_raw_sys_enter", "obs_raw_sys_exit"]

    /// Each program's nanoseconds per hit in this run: from an idle run (`watch -- /bin/true`),
    /// where nearly every syscall hit is a process obsctl does not track, the cost of filtering one out.
    var nsPerHit: [String: Double] {
        programs.mapValues { $0.hits == 0 ? 0 : Double($0.ns) / Double($0.hits) }
    }

    /// The run time of the programs `names` spent on the observed tree, estimated: their total
    /// minus, for the syscall programs, the hits beyond the tree's own `treeSyscalls` (the rest of
    /// the machine's syscalls, obsctl's included) at the filter-only cost per hit of an idle run.
    /// The sched programs' few hits outside the tree are left in.
    func treeNs(_ names: [String], treeSyscalls: Int, filterNsPerHit: [String: Double]) -> Double {
        var total = 0.0
        for name in names {
            guard let p = programs[name] else { continue }
            total += Double(p.ns)
            if Self.syscallPrograms.contains(name) {
                let elsewhere = max(0, Double(p.hits) - Double(treeSyscalls))
                total -= min(Double(p.ns), elsewhere * (filterNsPerHit[name] ?? 0))
            }
        }
        return total
    }
}
