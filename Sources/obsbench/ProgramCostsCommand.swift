import ArgumentParser

/// `obsbench program-costs` (hidden): one `obsctl watch` run with run-time statistics on and its
/// programs caught, for the tests and for a look by hand. Prints one line per program,
/// `name hits run_time_ns`, then `events N obsctl_cpu_ns C`.
struct ProgramCostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program-costs",
        abstract: "Internal: the kernel cost of each BPF program of one obsctl watch run (keep its summary).",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The obsctl command line, e.g. obsctl watch -o /dev/null -- CMD.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the obsctl command line after --") }
    }

    func run() throws {
        let stats = try BPFRunTimeStats()
        defer { stats.end() }
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        let run = try CostedRun.run(argv)
        for (name, p) in run.programs.sorted(by: { $0.key < $1.key }) { print(name, p.hits, p.ns) }
        print("events", run.events, "obsctl_cpu_ns", Int(run.obsctlCPUNs ?? -1))
    }
}
