import ArgumentParser
import ProcessObserver

/// `obsbench spawn`: spawn+reap throughput of the library against a bare posix_spawn loop (issue 2).
struct SpawnBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spawn",
        abstract: "Spawn+reap throughput: bare posix_spawn vs NativeProcess with and without observers.",
        discussion: """
            Every round runs each variant once, SPAWNS times in a row, in a rotated order \
            (A B C D E, then B C D E A, …) so that drift on a shared VM hits all variants alike. \
            One warm-up round is discarded. The ratio column is the median over rounds of \
            (variant rate / bare rate in the same round).
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Spawns per variant per round.")
    var spawns = 400

    @Option(help: "The program to spawn; it must exit 0 at once.")
    var program = "/bin/true"

    @Option(
        parsing: .upToNextOption,
        help: "Variants to run, in order (bare is always included: ratios are against it).")
    var variants: [SpawnVariant] = SpawnVariant.allCases

    func validate() throws {
        guard spawns > 0 else { throw ValidationError("--spawns must be positive") }
    }

    func run() throws {
        let report = try measure()
        print(report.map { $0.render(markdown: common.markdown) }.joined(separator: "\n"))
    }

    func measure() throws -> [ResultTable] {
        let variants = [SpawnVariant.bare] + self.variants.filter { $0 != .bare }
        var rates: [SpawnVariant: [Double]] = [:]
        var ratios: [SpawnVariant: [Double]] = [:]
        var cpuPerSpawn: [SpawnVariant: [Double]] = [:]
        var delivery: [SpawnVariant: SpawnVariant.Delivery] = [:]
        let before = ProcessFootprint.current()
        common.progress("spawn: \(variants.count) variants × \(spawns) spawns of \(program), 1 warm-up + \(common.rounds) rounds")
        for round in 0...common.rounds {
            var roundRates: [SpawnVariant: Double] = [:]
            var roundCPU: [SpawnVariant: Double] = [:]
            for i in 0..<variants.count {
                let variant = variants[(i + round) % variants.count]
                var d = delivery[variant] ?? .init()
                let cpuBefore = CPUTime.selfAndChildren()
                let ns = try variant.loop(program: program, count: spawns, delivery: &d)
                roundCPU[variant] = Double(CPUTime.selfAndChildren() - cpuBefore) / Double(spawns) / 1000
                if round > 0 { delivery[variant] = d }
                roundRates[variant] = Double(spawns) / (Double(ns) / 1e9)
            }
            guard round > 0 else { continue }
            for v in variants {
                rates[v, default: []].append(roundRates[v]!)
                cpuPerSpawn[v, default: []].append(roundCPU[v]!)
                ratios[v, default: []].append(roundRates[v]! / roundRates[.bare]!)
            }
            common.progress("  round \(round): " + variants.map { Format.rate(roundRates[$0]!) }.joined(separator: " "))
        }
        let after = ProcessFootprint.current()

        var table = ResultTable(
            title: "Spawn+reap throughput of \(program) (\(spawns) spawns × \(common.rounds) rounds)",
            columns: [
                ("variant", .left), ("median spawns/s", .right), ("min–max spawns/s", .right),
                ("IQR spawns/s", .right), ("wall µs/spawn", .right), ("CPU µs/spawn", .right),
                ("ratio vs bare", .right),
            ])
        for v in variants {
            let s = Summary(rates[v]!)
            let r = Summary(ratios[v]!)
            table.add([
                v.label, Format.rate(s.median), "\(Format.rate(s.min))–\(Format.rate(s.max))",
                "\(Format.rate(s.q1))–\(Format.rate(s.q3))", Format.fixed(1e6 / s.median, 0),
                Format.fixed(Summary(cpuPerSpawn[v]!).median, 0), Format.ratio(r.median),
            ])
        }
        if let lifecycleRatios = ratios[.lifecycle] {
            let lifecycleRatio = Summary(lifecycleRatios).median
            table.note(
            "goal (issue 2): lifecycle observer ≥ 0.95× bare: "
                + (lifecycleRatio >= 0.95
                    ? "met (\(Format.ratio(lifecycleRatio)))"
                    : "MISSED (\(Format.ratio(lifecycleRatio)), \(Format.fixed((0.95 - lifecycleRatio) * 100, 1)) points short)"))
        }
        for v in [SpawnVariant.lifecycle, .lifecycleSampler] {
            guard let d = delivery[v] else { continue }
            table.note(
                "\(v.label): \(d.events) events over \(d.runs) runs (\(Format.fixed(Double(d.events) / Double(max(1, d.runs)), 2)) per run), "
                    + "\(d.samples) samples, \(d.lost) lost")
        }
        if let d = delivery[.lifecycleSampler], d.samples == 0 {
            table.note(
                "the 10 ms sampler produced no sample at all: the Sampler in this build is a stub, "
                    + "so the sampler row measures nothing beyond the lifecycle observer; re-run once sampling lands")
        }
        table.note(
            "CPU µs/spawn = user+system time of this process (all threads) and of its reaped children, per spawn: "
                + "less sensitive than wall time to other load on the machine")
        let bad = variants.reduce(0) { $0 + delivery[$1]!.badExits }
        if bad > 0 { table.note("\(bad) spawns did not exit 0: the numbers are suspect") }
        table.note(
            "harness process after the run: \(after.describe(since: before)); "
                + "\(variants.count * spawns * (common.rounds + 1)) spawns in all")
        return [table]
    }
}
