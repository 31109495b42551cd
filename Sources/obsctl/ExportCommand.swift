import ArgumentParser
import OTLPExport
import ObserverReporting
import PerfettoExport
import ProcessObserver

/// `obsctl export --format perfetto RECORDING -o OUT`: a recording as a timeline for another tool.
struct ExportCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// Perfetto's native protobuf trace, which ui.perfetto.dev opens.
        case perfetto
        /// OpenTelemetry, posted to a collector over OTLP/HTTP (Docs/OTLP.md).
        case otlp
    }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert a recorded run into a timeline another tool opens (Perfetto), or send it to OpenTelemetry.",
        usage: """
            obsctl export --format perfetto [--since/--until <time>] <recording> -o <file>
                   obsctl export --format otlp [--since/--until <time>] <recording> [<url>]
            """,
        discussion: """
            perfetto writes Perfetto's native protobuf trace (open it in ui.perfetto.dev): one \
            track per process, nested under its parent's, with a slice for each program it ran, \
            instants for its file and network events and its forks (with a flow to the child), \
            CPU and RSS counters from the samples, and the process tree. The recording is read \
            twice, so it must be a file. Exit codes as for obsctl report.

            otlp posts the run to an OpenTelemetry collector over OTLP/HTTP (protobuf, gzip): a \
            trace with a span per process, log records for the events, metrics from the samples \
            (Docs/OTLP.md). <url> defaults to OTEL_EXPORTER_OTLP_ENDPOINT, then \
            http://localhost:4318; the other OTEL_EXPORTER_OTLP_* variables are honoured. It \
            exits 1 when anything was dropped or rejected, after saying what.

            The recording may be a directory of segments (obsctl watch --record DIR); --since \
            and --until (RFC 3339 times) export only the events of that window.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The format to write.", valueName: "format"))
    var format: Format

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("The file to write the trace to (perfetto).", valueName: "file"))
    var outputFile: String?

    @OptionGroup var window: WindowOptions

    @Argument(
        help: ArgumentHelp(
            "The recording to export (a file written by obsctl watch --json -o, or a --record directory).",
            valueName: "recording"))
    var recording: String

    @Argument(help: ArgumentHelp("otlp: the collector's OTLP/HTTP endpoint.", valueName: "url"))
    var url: String?

    func validate() throws {
        switch format {
        case .perfetto:
            guard recording != "-" else {
                throw ValidationError("export reads the recording twice, so it takes a file, not - (standard input).")
            }
            guard outputFile != nil else { throw ValidationError("--format perfetto needs -o <file>.") }
            guard url == nil else { throw ValidationError("--format perfetto takes no <url>.") }
        case .otlp:
            guard outputFile == nil else {
                throw ValidationError("--format otlp sends to a collector and takes no -o.")
            }
        }
    }

    func run() throws {
        switch format {
        case .perfetto: try perfetto(outputFile!)
        case .otlp: try otlp()
        }
    }

    /// Reads the recording once, sending as it goes.
    private func otlp() throws {
        let configuration: OTLPConfiguration
        switch OTLPConfiguration.make(url: url) {
        case .success(let c): configuration = c
        case .failure(let error): throw ValidationError(error.message)
        }
        let counts: OTLPExporter.Counts
        var export: OTLPRunExport
        do {
            let reader = try RunRecording.open(recording, since: window.sinceNs, until: window.untilNs)
            export = OTLPRunExport(
                configuration: configuration, hostName: reader.header?.hostName ?? "",
                kernelRelease: reader.header?.kernelRelease ?? "")
            while let event = try reader.next() { export.add(event) }
            if let note = reader.coverage.truncationNote(from: reader.header?.clockBase.monotonicNs) {
                Diagnostics.print("note: \(note).")
            }
            if let note = reader.coverage.partialNote(clock: reader.header?.clockBase) {
                Diagnostics.print("note: \(note).")
            }
            counts = export.finish()
        } catch {
            Diagnostics.print(error.message)
            throw ObsctlExitCode.exit(
                error.code == .recordingUnreadable ? ObsctlExitCode.cannotReadInput : ObsctlExitCode.invalidInput)
        }
        Diagnostics.print(OTLPRunExport.summary(sent: export.sent, counts: counts))
        if counts.droppedTotal + counts.rejectedTotal > 0 { throw ObsctlExitCode.exit(ObsctlExitCode.unavailable) }
    }

    private func perfetto(_ outputFile: String) throws {
        let report = try ReportCommand.build(from: recording, window: window)
        var exporter = PerfettoExporter(report: report)
        let out = try ReportOutput.open(outputFile)
        out.append { exporter.appendPreamble(to: &$0) }
        do {
            let second = try RunRecording.open(recording, since: window.sinceNs, until: window.untilNs)
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
