import ArgumentParser
import ProcessObserver

/// `obsbench compare`: whole workloads bare, under `obsctl watch --categories all` and under
/// `strace -f`, plus the bystander cost, delivery rate, flood footprint and attach latency (issue 3).
struct CompareBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Workloads bare vs under obsctl vs under strace, and the observer's side costs.",
        discussion: """
            Each round runs every workload under every available wrapper, rotating the wrapper \
            order per round. Ratios are medians over rounds of (wrapped time / bare time in the \
            same round). A wrapper that is missing (obsctl not built, strace not installed) is \
            listed with the reason and skipped.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var tools: ToolOptions

    @Option(
        name: .customLong("only"),
        help:
            "Comma list of parts to run: \(ComparePart.allCases.map(\.rawValue).joined(separator: ",")) (default: all)."
    )
    var onlyList: String?

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
        if parts.contains(.workloads) {
            tables += try WorkloadMatrix(common: common, tools: tools, resolved: resolved, kit: kit).measure()
        }
        if parts.contains(.bystander) {
            tables.append(try BystanderCost(common: common, tools: tools, resolved: resolved, kit: kit).measure())
        }
        if parts.contains(.delivery) {
            tables.append(try DeliveryRate(common: common, tools: tools, kit: kit).measure())
        }
        if parts.contains(.footprint) {
            tables.append(try FloodFootprint(common: common, tools: tools, resolved: resolved, kit: kit).measure())
        }
        if parts.contains(.attach) {
            tables.append(try AttachLatency(common: common, resolved: resolved, kit: kit).measure())
        }
        return tables
    }
}

/// The sections of `obsbench compare`, selectable with `--only`.
enum ComparePart: String, CaseIterable {
    case workloads, bystander, delivery, footprint, attach
}

/// A command the comparison times, with the target ratio issue 3 sets for obsctl.
struct Workload {
    var name: String
    var detail: String
    var argv: [String]
    var target: Double
}

/// Wrapped-vs-bare timing of the four issue-3 workloads.
struct WorkloadMatrix {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    enum Wrapper: String, CaseIterable {
        case bare, obsctl, strace
    }

    var workloads: [Workload] {
        let iterations = tools.scaled(5_000)
        let spawns = tools.scaled(600)
        let connections = tools.scaled(10_000)
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
        ]
    }

    func argv(_ wrapper: Wrapper, _ command: [String]) -> [String]? {
        switch wrapper {
        case .bare: command
        case .obsctl: resolved.obsctl == nil ? nil : resolved.obsctlArgv(command)
        case .strace: resolved.strace == nil ? nil : resolved.straceArgv(command)
        }
    }

    func measure() throws -> [ResultTable] {
        let wrappers = Wrapper.allCases.filter { argv($0, ["true"]) != nil }
        let workloads = self.workloads
        var seconds: [String: [Wrapper: [Double]]] = [:]
        var ratios: [String: [Wrapper: [Double]]] = [:]
        var failures: [String] = []
        common.progress(
            "compare: \(workloads.count) workloads × [\(wrappers.map(\.rawValue).joined(separator: ", "))], 1 warm-up + \(common.rounds) rounds"
        )
        for round in 0...common.rounds {
            for workload in workloads {
                var times: [Wrapper: Double] = [:]
                for i in 0..<wrappers.count {
                    let wrapper = wrappers[(i + round) % wrappers.count]
                    let outcome = try Launcher.run(argv(wrapper, workload.argv)!)
                    if !outcome.exitedCleanly {
                        failures.append(
                            "\(workload.name) under \(wrapper.rawValue) ended with \(outcome.describeStatus) in round \(round)"
                        )
                    }
                    times[wrapper] = Double(outcome.wallNs) / 1e9
                }
                guard round > 0 else { continue }
                for w in wrappers {
                    seconds[workload.name, default: [:]][w, default: []].append(times[w]!)
                    ratios[workload.name, default: [:]][w, default: []].append(times[w]! / times[.bare]!)
                }
                common.progress(
                    "  round \(round) \(workload.name): "
                        + wrappers.map { "\($0.rawValue) \(Format.seconds(times[$0]!))s" }.joined(separator: ", "))
            }
        }

        var table = ResultTable(
            title: "Workloads: wall time bare vs observed (\(common.rounds) rounds)",
            columns: [
                ("workload", .left), ("run under", .left), ("median s", .right), ("min–max s", .right),
                ("IQR s", .right), ("ratio vs bare", .right), ("obsctl target", .right), ("verdict", .left),
            ])
        for workload in workloads {
            for w in wrappers {
                let s = Summary(seconds[workload.name]![w]!)
                let r = Summary(ratios[workload.name]![w]!)
                var verdict = ""
                if w == .obsctl {
                    verdict =
                        r.median <= workload.target
                        ? "met" : "MISSED by \(Format.fixed((r.median - workload.target) * 100, 1)) points"
                }
                table.add([
                    workload.name,
                    w == .obsctl ? "obsctl (\(resolved.obsctlActive.joined(separator: ",")))" : w.rawValue,
                    Format.seconds(s.median), "\(Format.seconds(s.min))–\(Format.seconds(s.max))",
                    "\(Format.seconds(s.q1))–\(Format.seconds(s.q3))", w == .bare ? "1.00×" : Format.ratio(r.median),
                    w == .obsctl ? "≤ \(Format.ratio(workload.target))" : "", verdict,
                ])
            }
        }
        for workload in workloads { table.note("\(workload.name): \(workload.detail)") }
        if let problem = resolved.obsctlProblem { table.note("obsctl column skipped: \(problem)") }
        if let problem = resolved.straceProblem { table.note("strace column skipped: \(problem)") }
        if resolved.obsctl != nil {
            table.note(
                "obsctl runs `watch --categories all --interval 0 --no-summary -o /dev/null -- CMD`; its startup is included"
            )
        }
        if resolved.strace != nil {
            table.note("strace runs `strace -f -e trace=%file,%network,%process -o /dev/null CMD`")
        }
        for f in failures { table.note("FAILED: \(f)") }
        return [table]
    }
}
