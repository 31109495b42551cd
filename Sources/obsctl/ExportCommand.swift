import ArgumentParser
import ObserverReporting
import PerfettoExport
import ProcessObserver

/// `obsctl export --format perfetto RECORDING -o OUT`: a recording as a timeline for another tool.
struct ExportCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// Perfetto's native protobuf trace, which ui.perfetto.dev opens.
        case perfetto
    }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert a recorded run into a timeline another tool opens (Perfetto).",
        usage: """
            obsctl export --format perfetto <recording> -o <file>
            """,
        discussion: """
            perfetto writes Perfetto's native protobuf trace (open it in ui.perfetto.dev): one \
            track per process, nested under its parent's, with a slice for each program it ran, \
            instants for its file and network events and its forks (with a flow to the child), \
            CPU and RSS counters from the samples, and the process tree. The recording is read \
            twice, so it must be a file. Exit codes as for obsctl report.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The format to write.", valueName: "format"))
    var format: Format

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("The file to write the trace to.", valueName: "file"))
    var outputFile: String

    @Argument(
        help: ArgumentHelp(
            "The recording to export (a file written by obsctl watch --json -o).", valueName: "recording"))
    var recording: String

    func validate() throws {
        guard recording != "-" else {
            throw ValidationError("export reads the recording twice, so it takes a file, not - (standard input).")
        }
    }

    func run() throws {
        let report = try ReportCommand.build(from: recording)
        var exporter = PerfettoExporter(report: report)
        let out = try ReportOutput.open(outputFile)
        out.append { exporter.appendPreamble(to: &$0) }
        do {
            let second = try RunRecording.open(recording)
            while let event = try second.next() { out.append { exporter.append(event, to: &$0) } }
        } catch {
            // The first pass read it whole; a second that fails means the file changed meanwhile.
            Diagnostics.print(error.message)
            throw ObsctlExitCode.exit(
                error.code == .recordingUnreadable ? ObsctlExitCode.cannotReadInput : ObsctlExitCode.invalidInput)
        }
        out.flush()
        try ReportOutput.finish(out, path: outputFile)
    }
}
