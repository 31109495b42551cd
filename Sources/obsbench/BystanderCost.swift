#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The slowdown an observer inflicts on a process it does not observe.
///
/// eBPF programs attached to syscall tracepoints run for every process on the machine and filter
/// to the observed tree in the kernel, so an unrelated process pays the filter on each syscall.
/// The bystander is the file-heavy workload (the most syscall-dense), never observed itself.
/// Two pairs isolate the observer from plain CPU contention on 2 vCPUs:
/// - idle: alone, vs while obsctl watches an idle `sleep` (pure in-kernel filter cost);
/// - busy: while a loopback-network loop runs bare in the background, vs while the same loop runs
///   under obsctl (filter cost plus the observer's own CPU use).
struct BystanderCost {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    enum Variant: String, CaseIterable {
        case alone = "alone"
        case idleObserver = "obsctl watching an idle sleep"
        case busyBare = "loopback loop running bare"
        case busyObserved = "loopback loop under obsctl"
    }

    func measure() throws -> ResultTable {
        let variants = Variant.allCases.filter {
            resolved.obsctl != nil || ($0 != .idleObserver && $0 != .busyObserved)
        }
        let bystander = [kit.filestorm, kit.scratch, "\(tools.scaled(5_000))"]
        let loop = ["/bin/sh", "-c", "while :; do \(kit.loopback) 2000 || exit 1; done"]
        var seconds: [Variant: [Double]] = [:]
        var notReady = 0
        common.progress("bystander: \(variants.count) variants, 1 warm-up + \(common.rounds) rounds")
        for round in 0...common.rounds {
            var times: [Variant: Double] = [:]
            for i in 0..<variants.count {
                let variant = variants[(i + round) % variants.count]
                var background: BackgroundCommand?
                switch variant {
                case .alone: break
                case .idleObserver:
                    background = try BackgroundCommand(resolved.obsctlArgv(["sleep", "600"], json: true, output: nil))
                case .busyBare: background = try BackgroundCommand(loop)
                case .busyObserved:
                    background = try BackgroundCommand(resolved.obsctlArgv(loop, json: true, output: nil))
                }
                if variant == .idleObserver || variant == .busyObserved {
                    if background!.waitForFirstOutput(timeout: 10) == nil { notReady += 1 }
                }
                let outcome = try Launcher.run(bystander)
                background?.stop(signal: variant == .busyBare ? SIGKILL : SIGINT, group: variant == .busyBare)
                times[variant] = Double(outcome.wallNs) / 1e9
            }
            guard round > 0 else { continue }
            for v in variants { seconds[v, default: []].append(times[v]!) }
            common.progress(
                "  round \(round): "
                    + variants.map { "\($0.rawValue) \(Format.seconds(times[$0]!))s" }.joined(separator: ", "))
        }
        var table = ResultTable(
            title:
                "Bystander: an unobserved file-heavy process (filestorm \(tools.scaled(5_000))) while an observer runs",
            columns: [
                ("bystander runs", .left), ("median s", .right), ("min–max s", .right), ("IQR s", .right),
                ("ratio", .right), ("target", .right),
            ])
        func ratio(_ v: Variant, over base: Variant) -> String {
            guard let a = seconds[v], let b = seconds[base] else { return "n/a" }
            return Format.ratio(Summary(zip(a, b).map { $0 / $1 }).median)
                + " vs \(base == .alone ? "alone" : "bare loop")"
        }
        for v in variants {
            let s = Summary(seconds[v]!)
            let r: String =
                switch v {
                case .alone, .busyBare: ""
                case .idleObserver: ratio(.idleObserver, over: .alone)
                case .busyObserved: ratio(.busyObserved, over: .busyBare)
                }
            table.add([
                v.rawValue, Format.seconds(s.median), "\(Format.seconds(s.min))–\(Format.seconds(s.max))",
                "\(Format.seconds(s.q1))–\(Format.seconds(s.q3))", r,
                v == .idleObserver || v == .busyObserved ? "≤ 1.05×" : "",
            ])
        }
        if let problem = resolved.obsctlProblem { table.note("observer rows skipped: \(problem)") }
        if notReady > 0 {
            table.note(
                "\(notReady) times obsctl printed nothing within 10 s: the bystander may have started before attach")
        }
        table.note(
            "ratios are medians of per-round pairs; the observer is attached (first event printed) before the bystander starts"
        )
        return table
    }
}
