import ArgumentParser

/// `obsbench spawn-worker` (hidden): runs one variant's loop in a fresh process and prints
/// `elapsed_ns cpu_ns runs events samples lost bad_exits virtual_kib_growth mappings_growth`.
///
/// Each (variant, round) gets a new process so that whatever one variant leaves behind in the
/// address space (such as unjoined thread stacks, which make every later fork slower) cannot
/// bias the variants measured after it; growth within the loop is still measured, and reported.
struct SpawnWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spawn-worker", abstract: "Internal: one timed spawn loop in a fresh process.",
        shouldDisplay: false)

    @Option var variant: SpawnVariant
    @Option var spawns: Int
    @Option var program: String

    func run() throws {
        var delivery = SpawnVariant.Delivery()
        // One untimed spawn first, so lazy initialisation (dynamic loader, caches) is not timed.
        _ = try variant.loop(program: program, count: 1, delivery: &delivery)
        delivery = SpawnVariant.Delivery()
        let before = ProcessFootprint.current()
        let cpuBefore = CPUTime.selfAndChildren()
        let ns = try variant.loop(program: program, count: spawns, delivery: &delivery)
        let cpu = CPUTime.selfAndChildren() - cpuBefore
        let after = ProcessFootprint.current()
        print(
            ns, cpu, delivery.runs, delivery.events, delivery.samples, delivery.lost, delivery.badExits,
            after.virtualKiB - before.virtualKiB, after.mappings - before.mappings)
        // The cgroups (the spares too) go with the worker at its exit, untimed: the library's
        // atexit handler (a test relies on this worker not calling ObserverCleanup itself).
    }

    /// Parses the line `run()` prints.
    struct Report {
        var elapsedNs: Double
        var cpuNs: Double
        var delivery: SpawnVariant.Delivery
        var virtualKiBGrowth: Int
        var mappingsGrowth: Int

        init?(_ line: String) {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
            guard f.count == 9 else { return nil }
            elapsedNs = Double(f[0])
            cpuNs = Double(f[1])
            delivery = SpawnVariant.Delivery(
                runs: f[2], events: f[3], samples: f[4], lost: UInt64(f[5]), badExits: f[6])
            virtualKiBGrowth = f[7]
            mappingsGrowth = f[8]
        }
    }
}
