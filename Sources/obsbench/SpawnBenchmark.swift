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
        let exe = ToolOptions.selfExecutable
        var rates: [SpawnVariant: [Double]] = [:]
        var ratios: [SpawnVariant: [Double]] = [:]
        var cpuPerSpawn: [SpawnVariant: [Double]] = [:]
        var delivery: [SpawnVariant: SpawnVariant.Delivery] = [:]
        var growth: [SpawnVariant: (virtualKiB: Int, mappings: Int)] = [:]
        common.progress(
            "spawn: \(variants.count) variants × \(spawns) spawns of \(program), \(common.rounds) rounds, one fresh process per loop"
        )
        for round in 1...common.rounds {
            var roundRates: [SpawnVariant: Double] = [:]
            for i in 0..<variants.count {
                let variant = variants[(i + round) % variants.count]
                let argv = [
                    exe, "spawn-worker", "--variant", variant.rawValue, "--spawns", "\(spawns)", "--program", program,
                ]
                guard let line = Launcher.capture(argv), let report = SpawnWorker.Report(line) else {
                    throw ValidationError("the \(variant.rawValue) spawn loop failed (\(argv.joined(separator: " ")))")
                }
                roundRates[variant] = Double(spawns) / (report.elapsedNs / 1e9)
                cpuPerSpawn[variant, default: []].append(report.cpuNs / Double(spawns) / 1000)
                var d = delivery[variant] ?? .init()
                d.runs += report.delivery.runs
                d.events += report.delivery.events
                d.samples += report.delivery.samples
                d.lost += report.delivery.lost
                d.badExits += report.delivery.badExits
                delivery[variant] = d
                growth[variant] = (report.virtualKiBGrowth, report.mappingsGrowth)
            }
            for v in variants {
                rates[v, default: []].append(roundRates[v]!)
                ratios[v, default: []].append(roundRates[v]! / roundRates[.bare]!)
            }
            common.progress(
                "  round \(round): "
                    + variants.map { "\($0.rawValue) \(Format.rate(roundRates[$0]!))/s" }.joined(separator: ", "))
        }

        var table = ResultTable(
            title: "Spawn+reap throughput of \(program) (\(spawns) spawns per loop × \(common.rounds) rounds)",
            columns: [
                ("variant", .left), ("median spawns/s", .right), ("min–max spawns/s", .right),
                ("IQR spawns/s", .right), ("wall µs/spawn", .right), ("CPU µs/spawn", .right),
                ("ratio vs bare", .right), ("VmSize growth/spawn", .right),
            ])
        for v in variants {
            let s = Summary(rates[v]!)
            let r = Summary(ratios[v]!)
            let g = growth[v]!
            table.add([
                v.label, Format.rate(s.median), "\(Format.rate(s.min))–\(Format.rate(s.max))",
                "\(Format.rate(s.q1))–\(Format.rate(s.q3))", Format.fixed(1e6 / s.median, 0),
                Format.fixed(Summary(cpuPerSpawn[v]!).median, 0), Format.ratio(r.median),
                Format.fixed(Double(g.virtualKiB) / 1024 / Double(spawns), 2) + " MiB",
            ])
        }
        if let lifecycleRatios = ratios[.lifecycle] {
            let lifecycleRatio = Summary(lifecycleRatios).median
            table.note(
                "goal (issue 2): lifecycle observer ≥ 0.95× bare: "
                    + (lifecycleRatio >= 0.95
                        ? "met (\(Format.ratio(lifecycleRatio)))"
                        : "MISSED (\(Format.ratio(lifecycleRatio)), \(Format.fixed((0.95 - lifecycleRatio) * 100, 1)) points short)")
            )
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
        for v in variants where growth[v]!.mappings > spawns / 2 {
            table.note(
                "\(v.label): the process kept \(growth[v]!.mappings) more memory mappings and "
                    + "\(growth[v]!.virtualKiB / 1024) MiB more address space after \(spawns) spawns (something per spawn is never released)"
            )
        }
        table.note(
            "each loop runs in a fresh `obsbench spawn-worker` process after one untimed spawn; the ratio is the median over "
                + "rounds of (variant rate / bare rate in the same round); CPU µs/spawn = user+system time of the loop's process "
                + "(all threads) and its reaped children, per spawn")
        let bad = variants.reduce(0) { $0 + delivery[$1]!.badExits }
        if bad > 0 { table.note("\(bad) spawns did not exit 0: the numbers are suspect") }
        return [table]
    }
}
