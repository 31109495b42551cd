import ArgumentParser

/// `obsbench ftrace-stream` (hidden): one run of the ftrace contender, for the tests and for a
/// look by hand. Prints `lines bytes lost command_exit` of `FtraceStream.Run`.
struct FtraceStreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ftrace-stream", abstract: "Internal: stream one command's events from a tracefs instance.",
        shouldDisplay: false)

    @Option(help: "The trace_pipe reader (Workloads/tracepipe.c compiled); built here when absent.")
    var reader: String?

    @OptionGroup var tools: ToolOptions

    @Argument(parsing: .captureForPassthrough, help: "The command to run.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command to run after --") }
    }

    func run() throws {
        var kit: WorkloadKit?
        let readerPath: String
        if let reader {
            readerPath = reader
        } else {
            let built = try WorkloadKit(
                sources: tools.workloadSources ?? WorkloadKit.defaultSources, compiler: tools.cc, units: 0)
            kit = built
            readerPath = built.tracepipe
        }
        defer { withExtendedLifetime(kit) {} }
        let stream = FtraceStream(reader: readerPath)
        defer { stream.unmountIfMounted() }
        if let problem = stream.problem { throw ValidationError("ftrace unavailable: \(problem)") }
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        let run = try stream.run(argv)
        print(run.lines, run.bytes, run.lost, (run.command.status >> 8) & 0xff)
    }
}
