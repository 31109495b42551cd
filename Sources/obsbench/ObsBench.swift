import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `obsbench`: the benchmarks behind `Docs/BENCHMARKS.md`. Performance is measured here, side by
/// side in one run, never as timed assertions in tests.
@main
struct ObsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obsbench",
        abstract:
            "Benchmarks for swift-process-observer (spawn throughput, observed workloads vs bare, an ftrace stream and strace, kernel cost, user-space cost).",
        subcommands: [
            AllBenchmarks.self, SpawnBenchmark.self, CompareBenchmark.self, UserSpaceBenchmark.self, SpawnWorker.self,
            FtraceStreamCommand.self, ProgramCostsCommand.self,
        ],
        defaultSubcommand: AllBenchmarks.self)
}

/// Flags every benchmark shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Measured rounds per variant (each round runs every variant once, interleaved).")
    var rounds = 5

    @Flag(help: "Print GitHub Markdown tables (for Docs/BENCHMARKS.md) instead of aligned text.")
    var markdown = false

    @Flag(name: .shortAndLong, help: "Print no progress lines on stderr.")
    var quiet = false

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be at least 1") }
    }

    /// One progress line on stderr, so stdout stays a clean report.
    func progress(_ line: String) {
        guard !quiet else { return }
        let text = Array((line + "\n").utf8)
        _ = text.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// `obsbench all` (the default): the spawn benchmark, then the workload comparison.
struct AllBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Run `spawn` and then `compare` with the same common options.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var tools: ToolOptions

    func run() throws {
        var spawn = try SpawnBenchmark.parse([])
        spawn.common = common
        var compare = try CompareBenchmark.parse([])
        compare.common = common
        compare.tools = tools
        var tables = MachineDescription.current().tables()
        tables += try spawn.measure()
        tables += try compare.measure()
        print(tables.map { $0.render(markdown: common.markdown) }.joined(separator: "\n"))
    }
}
