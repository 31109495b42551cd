import ArgumentParser
import HTMLReport
import ObserverReporting
import ProcessObserver
import SystemPackage

/// `obsctl report [--json] [-o OUT] FILE`: the answers a recording holds, in the terminal or as
/// one JSON document.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Answer questions about a recorded run: its outcome, process tree, files, network, CPU and memory.",
        usage: """
            obsctl report [--json | --html] [-o <file>] [--since/--until <time>] <recording>
            """,
        discussion: """
            The recording is what obsctl watch --json -o FILE writes (- reads standard input), or \
            the directory obsctl watch --record DIR writes its segments to (Docs/RECORDING.md). \
            --since and --until keep the events of a window of time; the report then says which \
            range it covers, and so it does when retention removed old segments. \
            The report has five sections, in this order: the run (command, exit status, wall \
            time, CPU, peak memory, lost events), the process tree (siblings running the same \
            program folded, failures marked), files, network, and CPU and memory over time; \
            Docs/REPORT.md says what each counts. --html writes the same as one self-contained \
            page with a timeline of the process tree, CPU and RSS charts and sortable tables. A \
            recording cut short is reported up to its last complete line, with a note. obsctl exits 0 with a report, 66 when the \
            recording cannot be read, 65 when it is not a recording.
            """
    )

    @Flag(name: .long, help: "Print the report as one JSON document (Docs/report.schema.json).")
    var json = false

    @Flag(
        name: .long,
        help: "Write the report as one self-contained HTML page (timeline, charts, tables; no network fetches).")
    var html = false

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var outputFile: String?

    @OptionGroup var window: WindowOptions

    @Argument(
        help: ArgumentHelp(
            "The recording to report on: a file, a directory of segments, or - for standard input.",
            valueName: "recording"))
    var recording: String

    func validate() throws {
        guard !(json && html) else { throw ValidationError("--json and --html are mutually exclusive: choose one.") }
    }

    func run() throws {
        let report = try Self.build(from: recording, window: window)
        let out = try ReportOutput.open(outputFile)
        if html {
            out.write(HTMLReport.document(report))
        } else if json {
            out.write(ReportJSON.document(report))
        } else {
            out.write(TerminalReport(colour: ReportOutput.wantsColour(out)).render(report))
        }
        out.flush()
        try ReportOutput.finish(out, path: outputFile)
    }

    /// Reads the whole recording into a report; an unreadable or invalid one is reported on
    /// stderr and ends obsctl with 66 or 65. A truncated one is noted on stderr and reported.
    static func build(from path: String, window: WindowOptions? = nil) throws(ExitCode) -> RunReport {
        do {
            let recording = try RunRecording.open(path, since: window?.sinceNs, until: window?.untilNs)
            var builder = RunReportBuilder(header: recording.header)
            while let event = try recording.next() { builder.add(event) }
            let report = builder.finish(coverage: recording.coverage)
            if let note = recording.coverage.truncationNote(from: recording.header?.clockBase.monotonicNs) {
                Diagnostics.print("note: \(note).")
            }
            if let note = recording.coverage.partialNote(clock: recording.header?.clockBase) {
                Diagnostics.print("note: \(note).")
            }
            return report
        } catch {
            Diagnostics.print(error.message)
            throw ObsctlExitCode.exit(
                error.code == .recordingUnreadable ? ObsctlExitCode.cannotReadInput : ObsctlExitCode.invalidInput)
        }
    }
}
