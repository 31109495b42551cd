#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The slowdown an observer inflicts on a process it does not observe.
///
/// eBPF programs attached to syscall tracepoints run for every process on the machine and filter
/// to the observed tree in the kernel, so an unrelated process pays the filter on each syscall.
/// The bystander is the tightest open+close loop (`openflood`, two syscalls per iteration), never
/// observed itself, and the result is given per iteration (wall and CPU ns). Variants, interleaved:
/// - alone;
/// - while obsctl watches an idle `sleep`, with raw (`raw_tp/sys_enter`/`sys_exit`, the default)
///   and with classic (`tp/syscalls/*`, `OBS_SYSCALL_ATTACH=tracepoints`) syscall attachment:
///   the pure in-kernel filter cost; and raw with `-c` (the syscall summary, whose programs see
///   every syscall of the machine);
/// - while a loopback-network loop runs bare in the background, and while the same loop runs under
///   obsctl (both attach modes): filter cost plus the observer's own CPU use on 2 vCPUs.
struct BystanderCost {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    enum Background: Equatable {
        case none, idle, busy
    }

    struct Variant: Equatable {
        var name: String
        var background: Background
        /// nil: no observer.
        var observer: SyscallAttach?
        /// The observer runs with `-c` (the syscall summary: every syscall of its tree counted, so
        /// the tracked check runs on every syscall of the machine).
        var syscallSummary = false
    }

    static let variants: [Variant] = [
        Variant(name: "alone", background: .none, observer: nil),
        Variant(name: "obsctl (raw_tp) watching an idle sleep", background: .idle, observer: .raw),
        Variant(
            name: "obsctl -c (raw_tp) watching an idle sleep", background: .idle, observer: .raw, syscallSummary: true),
        Variant(name: "obsctl (tp/) watching an idle sleep", background: .idle, observer: .tracepoints),
        Variant(name: "loopback loop running bare", background: .busy, observer: nil),
        Variant(name: "loopback loop under obsctl (raw_tp)", background: .busy, observer: .raw),
        Variant(name: "loopback loop under obsctl (tp/)", background: .busy, observer: .tracepoints),
    ]

    func measure() throws -> ResultTable {
        let variants = Self.variants.filter { resolved.obsctl != nil || $0.observer == nil }
        let iterations = tools.scaled(300_000)
        let bystander = [kit.openflood, kit.floodTarget, "\(iterations)"]
        let loop = ["/bin/sh", "-c", "while :; do \(kit.loopback) 2000 || exit 1; done"]
        var wallNs: [Int: [Double]] = [:]
        var cpuNs: [Int: [Double]] = [:]
        var observedLines: [Int: [Double]] = [:]
        var notReady = 0
        common.progress("bystander: \(variants.count) variants, 1 warm-up + \(common.rounds) rounds")
        for round in 0...common.rounds {
            var wall: [Int: Double] = [:]
            for i in 0..<variants.count {
                let index = (i + round) % variants.count
                let variant = variants[index]
                var background: BackgroundCommand?
                let env = variant.observer?.environment ?? [:]
                switch (variant.background, variant.observer) {
                case (.none, _): break
                case (.idle, _):
                    background = try BackgroundCommand(
                        resolved.obsctlArgv(
                            ["sleep", "600"], json: true, output: nil, syscallSummary: variant.syscallSummary),
                        environment: env)
                case (.busy, nil): background = try BackgroundCommand(loop)
                case (.busy, _):
                    background = try BackgroundCommand(
                        resolved.obsctlArgv(loop, json: true, output: nil), environment: env)
                }
                if variant.observer != nil {
                    if background!.waitForFirstOutput(timeout: 10) == nil { notReady += 1 }
                }
                let linesBefore = background?.linesSoFar ?? 0
                let outcome = try Launcher.run(bystander)
                let linesDuring = (background?.linesSoFar ?? 0) - linesBefore
                background?.stop(
                    signal: variant.observer == nil ? SIGKILL : SIGINT, group: variant.observer == nil, grace: 15)
                wall[index] = Double(outcome.wallNs) / Double(iterations)
                guard round > 0 else { continue }
                wallNs[index, default: []].append(Double(outcome.wallNs) / Double(iterations))
                cpuNs[index, default: []].append(Double(outcome.userNs + outcome.systemNs) / Double(iterations))
                if variant.observer != nil { observedLines[index, default: []].append(Double(linesDuring)) }
            }
            guard round > 0 else { continue }
            common.progress(
                "  round \(round): "
                    + variants.indices.map { "\(variants[$0].name) \(Format.fixed(wall[$0]!, 0)) ns/iter" }.joined(
                        separator: ", "))
        }
        var table = ResultTable(
            title:
                "Bystander: an unobserved open+close loop (openflood \(iterations)) while an observer runs, ns per iteration",
            columns: [
                ("bystander runs", .left), ("median wall ns/iter", .right), ("min–max", .right), ("IQR", .right),
                ("wall ratio", .right), ("median CPU ns/iter", .right), ("CPU ratio", .right),
                ("events obsctl printed meanwhile", .right), ("target", .right),
            ])
        func baseIndex(_ v: Variant) -> Int? {
            switch v.background {
            case .none: nil
            case .idle: variants.firstIndex { $0.background == .none }
            case .busy: variants.firstIndex { $0.background == .busy && $0.observer == nil }
            }
        }
        func pairedRatio(_ series: [Int: [Double]], _ index: Int, _ base: Int) -> Double {
            Summary(zip(series[index]!, series[base]!).map { $0 / $1 }).median
        }
        for (index, v) in variants.enumerated() {
            let s = Summary(wallNs[index]!)
            let c = Summary(cpuNs[index]!)
            var wallRatio = ""
            var cpuRatio = ""
            if v.observer != nil, let base = baseIndex(v) {
                let r = pairedRatio(wallNs, index, base)
                let baseName = v.background == .idle ? "alone" : "bare loop"
                wallRatio = "\(Format.ratio(r)) vs \(baseName)"
                cpuRatio = "\(Format.ratio(pairedRatio(cpuNs, index, base))) vs \(baseName)"
                if r > 1.05 { wallRatio += " (MISSED by \(Format.fixed((r - 1.05) * 100, 1)) points)" }
            }
            table.add([
                v.name, Format.fixed(s.median, 0), "\(Format.fixed(s.min, 0))–\(Format.fixed(s.max, 0))",
                "\(Format.fixed(s.q1, 0))–\(Format.fixed(s.q3, 0))", wallRatio, Format.fixed(c.median, 0), cpuRatio,
                observedLines[index].map { Format.grouped(Int(Summary($0).median)) } ?? "",
                v.observer != nil ? "≤ 1.05×" : "",
            ])
        }
        if let problem = resolved.obsctlProblem { table.note("observer rows skipped: \(problem)") }
        if notReady > 0 {
            table.note(
                "\(notReady) times obsctl printed nothing within 10 s: the bystander may have started before attach")
        }
        table.note(
            "ratios are medians of per-round pairs; obsctl is attached (its first JSON event line arrived) before the bystander starts; "
                + "CPU ns/iter is the bystander's user+system time per iteration"
        )
        table.note(
            "the loopback loop is `while :; do loopback 2000; done` (background, killed after the bystander ends); obsctl observes it with `--categories all --json`"
        )
        return table
    }
}
