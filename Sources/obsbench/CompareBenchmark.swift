import ArgumentParser
import ProcessObserver

/// `obsbench compare`: whole workloads bare, under `obsctl watch --categories all`, under an ftrace
/// event stream and under `strace -f`, plus the kernel cost per program and per part of a spawn (issue 23), the bystander cost, delivery rate, flood footprint and attach latency (issue 3).
struct CompareBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Workloads bare vs under obsctl vs an ftrace stream vs strace, and the observer's side costs.",
        discussion: """
            Each round runs every workload under every available wrapper, rotating the wrapper \
            order per round. Ratios are medians over rounds of (wrapped time / bare time in the \
            same round). A wrapper that is missing (obsctl not built, strace not installed, no \
            tracefs) is listed with the reason and skipped.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var tools: ToolOptions

    @Option(
        name: .customLong("only"),
        help:
            "Comma list of parts to run: \(ComparePart.allCases.map(\.rawValue).joined(separator: ",")) (default: all)."
    )
    var onlyList: String?

    @Option(
        name: .customLong("workloads"),
        help:
            "Comma list of the workloads part's rows to run: \(WorkloadMatrix.names.joined(separator: ",")) (default: all)."
    )
    var workloadList: String?

    @Option(
        name: .customLong("wrappers"),
        help: ArgumentHelp(
            "Comma list of the workloads part's wrappers to run besides bare: \(WorkloadMatrix.Wrapper.allCases.filter { $0 != .bare }.map(\.rawValue).joined(separator: ",")) (default: every available one).",
            discussion: "For a side-by-side of a few rows (obsctl,obsctl -c): the others' rounds take most of the time."
        )
    )
    var wrapperList: String?

    var parts: Set<ComparePart> {
        guard let onlyList else { return Set(ComparePart.allCases) }
        return Set(onlyList.split(separator: ",").compactMap { ComparePart(rawValue: String($0)) })
    }

    func validate() throws {
        if let onlyList {
            for name in onlyList.split(separator: ",") where ComparePart(rawValue: String(name)) == nil {
                throw ValidationError(
                    "unknown part '\(name)'; valid: \(ComparePart.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let wrapperList {
            for name in wrapperList.split(separator: ",") where WorkloadMatrix.Wrapper(rawValue: String(name)) == nil {
                throw ValidationError(
                    "unknown wrapper '\(name)'; valid: \(WorkloadMatrix.Wrapper.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        if let workloadList {
            for name in workloadList.split(separator: ",") where !WorkloadMatrix.names.contains(String(name)) {
                throw ValidationError(
                    "unknown workload '\(name)'; valid: \(WorkloadMatrix.names.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        var tables = MachineDescription.current().tables()
        tables += try measure()
        print(tables.map { $0.render(markdown: common.markdown) }.joined(separator: "\n"))
    }

    func measure() throws -> [ResultTable] {
        let resolved = ResolvedTools(tools)
        let kit = try WorkloadKit(
            sources: tools.workloadSources ?? WorkloadKit.defaultSources, compiler: tools.cc, units: 36)
        var tables = [resolved.capabilityTable()]
        let parts = self.parts
        // A local OTLP receiver for the `--otlp` rows of the workloads and the flood.
        let receiver = OTLPReceiver(sources: tools.workloadSources ?? WorkloadKit.defaultSources)
        defer { receiver.stop() }
        if parts.contains(.workloads) {
            let ftrace = FtraceStream(reader: kit.tracepipe)
            defer { ftrace.unmountIfMounted() }
            tables += try WorkloadMatrix(
                common: common, tools: tools, resolved: resolved, kit: kit, otlpReceiver: receiver, ftrace: ftrace,
                only: workloadList.map { Set($0.split(separator: ",").map(String.init)) },
                onlyWrappers: wrapperList.map {
                    Set($0.split(separator: ",").compactMap { WorkloadMatrix.Wrapper(rawValue: String($0)) } + [.bare])
                }
            ).measure()
        }
        if parts.contains(.kernelcost) {
            tables += try KernelCost(common: common, tools: tools, resolved: resolved, kit: kit).measure()
        }
        if parts.contains(.spawnparts) {
            tables += try SpawnPartCost(common: common, tools: tools, resolved: resolved, kit: kit).measure()
        }
        if parts.contains(.bystander) {
            tables.append(try BystanderCost(common: common, tools: tools, resolved: resolved, kit: kit).measure())
        }
        if parts.contains(.delivery) {
            tables.append(try DeliveryRate(common: common, tools: tools, kit: kit).measure())
        }
        if parts.contains(.footprint) {
            tables.append(
                try FloodFootprint(common: common, tools: tools, resolved: resolved, kit: kit, otlpReceiver: receiver)
                    .measure())
        }
        if parts.contains(.attach) {
            tables.append(try AttachLatency(common: common, resolved: resolved, kit: kit).measure())
        }
        if parts.contains(.reporting) {
            tables += try ReportingCost(common: common, tools: tools, resolved: resolved, kit: kit).measure()
        }
        return tables
    }
}

/// The sections of `obsbench compare`, selectable with `--only`.
enum ComparePart: String, CaseIterable {
    case workloads, kernelcost, spawnparts, bystander, delivery, footprint, attach, reporting
}

/// A command the comparison times, with the target ratio issue 3 sets for obsctl.
struct Workload {
    var name: String
    var detail: String
    var argv: [String]
    var target: Double
}

/// Wrapped-vs-bare timing of the issue-3 workloads and issue 23's process tree.
///
/// Every obsctl run keeps its closing summary, so the report shows how many events each run
/// delivered per category and what was lost: a ratio only counts if the events really flowed.
/// The file-heavy workload also runs under obsctl with classic syscall tracepoints
/// (`OBS_SYSCALL_ATTACH=tracepoints`), to compare the two attach modes in the same rounds, and
/// under obsctl with `--no-resolve-paths`, to price the in-kernel path resolution. The ftrace
/// stream (`FtraceStream`) is the peer issue 23 measures against.
struct WorkloadMatrix {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit
    /// A local OTLP/HTTP receiver (the tests' own, decoding every request) for the `--otlp` rows.
    let otlpReceiver: OTLPReceiver
    /// The ftrace event-stream contender; its rows are skipped with the reason when tracefs is unusable.
    let ftrace: FtraceStream
    /// The workloads to run, by name (`compare --workloads`); nil runs all of them.
    var only: Set<String>? = nil
    /// The wrappers to run (`compare --wrappers`, bare always); nil runs every available one.
    var onlyWrappers: Set<Wrapper>? = nil

    /// Every workload's name, in table order.
    static let names = ["file-heavy", "spawn-heavy", "network", "parallel build", "process tree", "copy"]

    enum Wrapper: String, CaseIterable {
        case bare
        case obsctl
        case obsctlBaseline = "obsctl baseline"
        case obsctlTracepoints = "obsctl tp/"
        case obsctlNoResolve = "obsctl no-resolve"
        case obsctlNoIOBytes = "obsctl no-io-bytes"
        case obsctlOTLP = "obsctl --otlp"
        case obsctlSummary = "obsctl -c"
        case obsctlBaselineSummary = "obsctl baseline -c"
        case ftrace
        case strace

        /// An obsctl run, whose summary is kept.
        var isObsctl: Bool {
            self == .obsctl || self == .obsctlBaseline || self == .obsctlTracepoints || self == .obsctlNoResolve
                || self == .obsctlOTLP || self == .obsctlNoIOBytes || self == .obsctlSummary
                || self == .obsctlBaselineSummary
        }
    }

    var workloads: [Workload] {
        Self.workloads(tools: tools, kit: kit).filter { only?.contains($0.name) ?? true }
    }

    /// The workloads every table of `compare` that runs workloads uses (the rows here, the
    /// kernel cost per program).
    static func workloads(tools: ToolOptions, kit: WorkloadKit) -> [Workload] {
        let iterations = tools.scaled(5_000)
        let spawns = tools.scaled(600)
        let connections = tools.scaled(10_000)
        let trees = tools.scaled(2)
        let copyMiB = tools.scaled(512)
        return [
            Workload(
                name: "file-heavy",
                detail:
                    "filestorm \(iterations): 4× open/read/close, 1 failed open, creat/write/close, rename, unlink per iteration",
                argv: [kit.filestorm, kit.scratch, "\(iterations)"], target: 1.5),
            Workload(
                name: "spawn-heavy",
                detail: "spawnstorm \(spawns): fork + execve /bin/true + waitpid, one after another",
                argv: [kit.spawnstorm, "\(spawns)"], target: 1.15),
            Workload(
                name: "network", detail: "loopback \(connections): connect/accept4/send/recv/close on 127.0.0.1",
                argv: [kit.loopback, "\(connections)"], target: 1.15),
            Workload(
                name: "parallel build", detail: "make -B -s -j2 of 36 generated C files + main (cc -O2), then link",
                argv: ["make", "-B", "-s", "-j2", "-C", kit.buildProject], target: 1.10),
            Workload(
                name: "process tree",
                detail:
                    "fanout \(trees) 3 6: \(trees) trees one after the other, each node forks 6 children at once that re-exec the tree or (depth 1) /bin/true; \(trees * 259) processes",
                argv: [kit.fanout, "\(trees)", "3", "6"], target: 1.05),
            Workload(
                name: "copy",
                detail:
                    "copy \(copyMiB) MiB: read + write of 4 KiB blocks, \(copyMiB * 256) of each (byte counting's per-call price)",
                argv: [kit.copy, "\(copyMiB)", kit.scratch + "/copy-source", kit.scratch + "/copy-target"], target: 1.15
            ),
        ]
    }

    /// The wrappers a workload runs under: the classic-tracepoint obsctl only for file-heavy
    /// (its detach costs seconds per run, see the notes), and so the obsctl without path
    /// resolution (the workload where resolution costs most).
    func wrappers(for workload: Workload) -> [Wrapper] {
        Wrapper.allCases.filter { w in
            if let onlyWrappers, !onlyWrappers.contains(w) { return false }
            return switch w {
            case .bare: true
            case .obsctl: resolved.obsctl != nil
            case .obsctlBaseline: resolved.obsctl != nil && resolved.baselineObsctl != nil
            case .obsctlSummary: resolved.obsctl != nil
            case .obsctlBaselineSummary: resolved.obsctl != nil && resolved.baselineObsctl != nil
            case .obsctlOTLP: resolved.obsctl != nil && otlpReceiver.url != nil
            case .obsctlTracepoints, .obsctlNoResolve: resolved.obsctl != nil && workload.name == "file-heavy"
            case .obsctlNoIOBytes:
                resolved.obsctl != nil && (workload.name == "file-heavy" || workload.name == "copy")
            case .ftrace: ftrace.problem == nil && ftrace.failure == nil
            case .strace: resolved.strace != nil
            }
        }
    }

    func argv(_ wrapper: Wrapper, _ command: [String]) -> [String] {
        switch wrapper {
        case .bare: command
        case .obsctl, .obsctlTracepoints: resolved.obsctlArgv(command, summary: true)
        case .obsctlBaseline: resolved.obsctlArgv(command, summary: true, binary: resolved.baselineObsctl)
        case .obsctlNoResolve: resolved.obsctlArgv(command, summary: true, resolvePaths: false)
        case .obsctlNoIOBytes: resolved.obsctlArgv(command, summary: true, countIOBytes: false)
        case .obsctlOTLP: resolved.obsctlArgv(command, summary: true, otlpEndpoint: otlpReceiver.url)
        case .obsctlSummary: resolved.obsctlArgv(command, summary: true, syscallSummary: true)
        case .obsctlBaselineSummary:
            resolved.obsctlArgv(command, summary: true, binary: resolved.baselineObsctl, syscallSummary: true)
        case .strace: resolved.straceArgv(command)
        case .ftrace: command  // run through `FtraceStream.run`, not as an argv
        }
    }

    func label(_ w: Wrapper) -> String {
        switch w {
        case .obsctl: "obsctl, raw_tp (\(resolved.obsctlActive.joined(separator: ",")))"
        case .obsctlBaseline: "obsctl baseline (\(resolved.baselineObsctl ?? "")), raw_tp"
        case .obsctlTracepoints: "obsctl, classic tp/ syscall tracepoints"
        case .obsctlNoResolve: "obsctl, raw_tp, --no-resolve-paths"
        case .obsctlNoIOBytes: "obsctl, raw_tp, --no-io-bytes (byte counting off)"
        case .obsctlOTLP: "obsctl, raw_tp, --otlp to a local receiver"
        case .obsctlSummary: "obsctl -c (the syscall summary), raw_tp"
        case .obsctlBaselineSummary: "obsctl baseline -c (\(resolved.baselineObsctl ?? "")), raw_tp"
        case .ftrace: "ftrace stream (tracefs)"
        default: w.rawValue
        }
    }

    func measure() throws -> [ResultTable] {
        let workloads = self.workloads
        var seconds: [String: [Wrapper: [Double]]] = [:]
        var ratios: [String: [Wrapper: [Double]]] = [:]
        var summaries: [String: [Wrapper: [ObsctlSummary]]] = [:]
        /// The observed command's own wall time (from obsctl's summary) over bare, per round.
        var commandRatios: [String: [Wrapper: [Double]]] = [:]
        /// The ftrace stream's runs after the warm-up, with the paired bare time.
        var ftraceRuns: [String: [(run: FtraceStream.Run, bareNs: UInt64)]] = [:]
        var failures: [String] = []
        common.progress(
            "compare: \(workloads.count) workloads × [\(Wrapper.allCases.filter { onlyWrappers?.contains($0) ?? true }.map(\.rawValue).joined(separator: ", "))], 1 warm-up + \(common.rounds) rounds"
        )
        for round in 0...common.rounds {
            for workload in workloads {
                let wrappers = self.wrappers(for: workload)
                var times: [Wrapper: Double] = [:]
                var pendingFtrace: FtraceStream.Run?
                for i in 0..<wrappers.count {
                    let wrapper = wrappers[(i + round) % wrappers.count]
                    let outcome: Launcher.Outcome
                    if wrapper.isObsctl {
                        let mode: SyscallAttach = wrapper == .obsctlTracepoints ? .tracepoints : .raw
                        let (o, text) = try Launcher.runCapturing(
                            argv(wrapper, workload.argv), environment: mode.environment)
                        outcome = o
                        if let summary = ObsctlSummary(text) {
                            if round > 0 {
                                summaries[workload.name, default: [:]][wrapper, default: []].append(summary)
                            }
                        } else {
                            failures.append(
                                "\(workload.name) under \(label(wrapper)) printed no summary in round \(round)")
                        }
                    } else if wrapper == .ftrace {
                        do {
                            let run = try ftrace.run(workload.argv)
                            outcome = Launcher.Outcome(
                                wallNs: run.totalNs, status: run.command.status, maxRSSBytes: run.command.maxRSSBytes,
                                userNs: run.command.userNs, systemNs: run.command.systemNs)
                            if round > 0 { pendingFtrace = run }
                        } catch {
                            ftrace.failure = "\(error)"
                            failures.append(
                                "\(workload.name) under the ftrace stream failed in round \(round): \(error)")
                            continue
                        }
                    } else {
                        outcome = try Launcher.run(argv(wrapper, workload.argv))
                    }
                    if !outcome.exitedCleanly {
                        failures.append(
                            "\(workload.name) under \(wrapper.rawValue) ended with \(outcome.describeStatus) in round \(round)"
                        )
                    }
                    times[wrapper] = Double(outcome.wallNs) / 1e9
                }
                guard round > 0 else { continue }
                let ran = wrappers.filter { times[$0] != nil }
                if let run = pendingFtrace {
                    ftraceRuns[workload.name, default: []].append((run, UInt64(times[.bare]! * 1e9)))
                }
                for w in Wrapper.allCases where w.isObsctl {
                    if let command = summaries[workload.name]?[w]?.last?.commandSeconds, times[w] != nil {
                        commandRatios[workload.name, default: [:]][w, default: []].append(command / times[.bare]!)
                    }
                }
                for w in ran {
                    seconds[workload.name, default: [:]][w, default: []].append(times[w]!)
                    ratios[workload.name, default: [:]][w, default: []].append(times[w]! / times[.bare]!)
                }
                common.progress(
                    "  round \(round) \(workload.name): "
                        + ran.map { "\($0.rawValue) \(Format.seconds(times[$0]!))s" }.joined(separator: ", "))
            }
        }

        var table = ResultTable(
            title: "Workloads: wall time bare vs observed (\(common.rounds) rounds)",
            columns: [
                ("workload", .left), ("run under", .left), ("median s", .right), ("min–max s", .right),
                ("IQR s", .right), ("ratio vs bare", .right), ("IQR of ratio", .right), ("vs strace", .right),
                ("vs ftrace", .right), ("obsctl target", .right), ("verdict", .left),
            ])
        for workload in workloads {
            let wrappers = self.wrappers(for: workload)
            for w in wrappers {
                let s = Summary(seconds[workload.name]![w]!)
                let r = Summary(ratios[workload.name]![w]!)
                var verdict = ""
                var versusStrace = ""
                var versusFtrace = ""
                let observed = w.isObsctl
                if observed {
                    let flowed = summaries[workload.name]?[w]?.allSatisfy { $0.kernelEvents > 0 } ?? false
                    verdict =
                        r.median <= workload.target
                        ? "met" : "MISSED by \(Format.fixed((r.median - workload.target) * 100, 1)) points"
                    if !flowed { verdict += " (NO kernel events in some run: not a real measurement)" }
                    if let st = ratios[workload.name]?[.strace] {
                        let mine = ratios[workload.name]![w]!
                        versusStrace = Format.ratio(Summary(zip(mine, st).map { $0 / $1 }).median)
                    }
                    if let ft = ratios[workload.name]?[.ftrace], !ft.isEmpty {
                        let mine = ratios[workload.name]![w]!
                        versusFtrace = Format.ratio(Summary(zip(mine, ft).map { $0 / $1 }).median)
                    }
                }
                table.add([
                    workload.name, label(w),
                    Format.seconds(s.median), "\(Format.seconds(s.min))–\(Format.seconds(s.max))",
                    "\(Format.seconds(s.q1))–\(Format.seconds(s.q3))", w == .bare ? "1.00×" : Format.ratio(r.median),
                    w == .bare ? "" : "\(Format.ratio(r.q1))–\(Format.ratio(r.q3))", versusStrace, versusFtrace,
                    observed ? "≤ \(Format.ratio(workload.target))" : "", verdict,
                ])
            }
        }
        for workload in workloads { table.note("\(workload.name): \(workload.detail)") }
        if let problem = resolved.obsctlProblem { table.note("obsctl column skipped: \(problem)") }
        if let problem = resolved.straceProblem { table.note("strace column skipped: \(problem)") }
        if let problem = otlpReceiver.problem { table.note("obsctl --otlp rows skipped: \(problem)") }
        if let problem = ftrace.problem ?? ftrace.failure { table.note("ftrace stream rows skipped: \(problem)") }
        if otlpReceiver.url != nil {
            table.note(
                "obsctl --otlp sends to a local OTLP/HTTP receiver that decodes every request with the official Python bindings (Tests/ObsctlTests/Fixtures/otlp_receiver.py, mode count), on the same two cores"
            )
        }
        if resolved.obsctl != nil {
            table.note(
                "obsctl runs `watch --categories all --interval 0 -o /dev/null -- CMD` (summary kept, on stdout); its startup and exit are included"
            )
            table.note(
                "obsctl -c rows add `-c` (the syscall summary, issue 19: every syscall of the tree counted in the kernel, strace -c's table printed after the summary); the issue's bar is each within 3 points of the row without it"
            )
            table.note(
                "`vs strace` and `vs ftrace` are the medians over rounds of (obsctl time / the peer's time in the same round); below 1 means obsctl is cheaper"
            )
        }
        if resolved.strace != nil {
            table.note("strace runs `strace -f -e trace=%file,%network,%process -o /dev/null CMD`")
        }
        for f in failures { table.note("FAILED: \(f)") }
        if ftrace.problem == nil {
            table.note(
                "the ftrace stream: a tracefs instance of its own with the sched_process_fork/exec/exit events and the sys_enter/sys_exit events of the syscalls obsctl observes, restricted to the command's tree (set_event_pid by an `sh -c` wrapper, event-fork on), its trace_pipe read to nowhere by a C reader; its time includes making and removing the instance"
            )
        }
        var tables = [table, eventTable(workloads, summaries, commandRatios)]
        if !ftraceRuns.isEmpty { tables.append(FtraceStream.table(workloads.map(\.name), ftraceRuns)) }
        return tables
    }

    /// Events each observed run delivered, per category, and what was lost.
    func eventTable(
        _ workloads: [Workload], _ summaries: [String: [Wrapper: [ObsctlSummary]]],
        _ commandRatios: [String: [Wrapper: [Double]]]
    ) -> ResultTable {
        var table = ResultTable(
            title: "Workloads: events obsctl delivered per run (median over rounds; from its summary)",
            columns: [
                ("workload", .left), ("run under", .left), ("file", .right), ("network", .right), ("process", .right),
                ("lifecycle", .right), ("lost: subscriber / kernel (max)", .right),
                ("command s (library's own wall)", .right), ("command / bare", .right),
            ])
        for workload in workloads {
            for w in Wrapper.allCases where w.isObsctl {
                guard let runs = summaries[workload.name]?[w], !runs.isEmpty else { continue }
                func median(_ key: String) -> String {
                    Format.grouped(Int(Summary(runs.map { Double($0.events[key] ?? 0) }).median))
                }
                let commandTimes = runs.compactMap(\.commandSeconds)
                table.add([
                    workload.name, label(w), median("file"), median("network"), median("process"),
                    median("lifecycle"),
                    "\(runs.map(\.lostSubscriber).max()!) / \(runs.map(\.lostKernel).max()!)",
                    commandTimes.isEmpty ? "n/a" : Format.seconds(Summary(commandTimes).median),
                    commandRatios[workload.name]?[w].map { Format.ratio(Summary($0).median) } ?? "n/a",
                ])
            }
        }
        table.note(
            "`command s` is the observed command's own wall time from obsctl's summary: obsctl's total minus it is obsctl's start-up and exit; `command / bare` (median of per-round pairs) is the slowdown of the workload itself once attached"
        )
        return table
    }
}
