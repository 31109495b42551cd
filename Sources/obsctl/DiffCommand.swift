import ArgumentParser
import ObserverReporting
import ProcessObserver

/// `obsctl diff BASE NEW`: what changed from one recorded run (or several) to another, and a
/// gate on it for CI. The comparison is the library's `RunDiff`; this only reads, renders and
/// exits.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare recorded runs: programs, files, network, failures and resources added, removed or grown.",
        usage: """
            obsctl diff [options] <base> <new>
            obsctl diff [options] --base <base> --base <base> ... <new>
            """,
        discussion: """
            The recordings are what obsctl watch --json -o FILE writes. The diff has six \
            sections, in this order: programs executed, files (written, created, deleted, \
            renamed; read with --reads), network (peers connected to, ports listened on), \
            failures (by kind, errno and path), resources (base, new and their ratio) and \
            completeness. Names made afresh by every run (temporary files, pids, the run's \
            cgroup) are compared as patterns (Docs/DIFF.md). With several bases, a name is in \
            the base when any base has it, and a figure's base is their median.

            obsctl exits 0 when no gate is violated (or none was asked for), 1 when one is \
            (each is listed), 2 when a gate was asked for and the comparison cannot be trusted \
            (a side lost events, was cut short, or was observed with other categories or \
            filters; --allow-incomplete gates it anyway), 64 for a usage error, 66 when a \
            recording cannot be read and 65 when it is not a recording.
            """
    )

    @Option(
        name: .customLong("base"),
        help: ArgumentHelp("A base recording; repeat it for a baseline of several runs.", valueName: "file"))
    var bases: [String] = []

    @Flag(name: .long, help: "Print the diff as one JSON document (Docs/diff.schema.json).")
    var json = false

    @Flag(name: .long, help: "Print the diff as Markdown, for a pull-request comment.")
    var markdown = false

    @Flag(name: .long, help: "Also compare the files opened for reading only.")
    var reads = false

    @Option(
        name: .customLong("ignore"),
        help: ArgumentHelp(
            "Leave out names matching this glob (* matches / too); repeatable.", valueName: "glob"))
    var ignore: [String] = []

    @Option(
        name: .customLong("fail-on"),
        help: ArgumentHelp(
            "Exit 1 when the new run adds a name of these kinds: a comma list of new-exec, new-write, "
                + "new-delete, new-peer, new-listen, new-failure, or all.", valueName: "list"))
    var failOn: String?

    @Option(
        name: .customLong("max-ratio"),
        help: ArgumentHelp(
            "Exit 1 when a figure grows past this ratio of the base's: a comma list of MEASURE=RATIO "
                + "(wall, cpu, tree-cpu, peak-rss, processes, events).", valueName: "list"))
    var maxRatio: String?

    @Flag(
        name: .customLong("allow-incomplete"),
        help: "Gate even when the comparison cannot be trusted (instead of exiting 2).")
    var allowIncomplete = false

    @Argument(
        help: ArgumentHelp(
            "The base recording, then the new one (with --base, only the new one).", valueName: "recording"))
    var recordings: [String] = []

    /// The gates asked for (`validate()` has rejected what does not parse).
    private var gates: DiffGates {
        DiffGates(
            failOn: failOn.flatMap { try? DiffGates.parseFailOn($0) } ?? [],
            maxRatio: maxRatio.flatMap { try? DiffGates.parseMaxRatio($0) } ?? [])
    }

    func validate() throws {
        guard !(json && markdown) else {
            throw ValidationError("--json and --markdown are mutually exclusive: choose one.")
        }
        guard !recordings.isEmpty else { throw ValidationError("Missing the recordings: give BASE NEW.") }
        guard bases.count + recordings.count >= 2 else {
            throw ValidationError("Missing a recording: give BASE NEW, or --base BASE NEW.")
        }
        do {
            if let failOn { _ = try DiffGates.parseFailOn(failOn) }
            if let maxRatio { _ = try DiffGates.parseMaxRatio(maxRatio) }
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        let basePaths = bases + recordings.dropLast()
        let digests = try (basePaths + [recordings[recordings.count - 1]]).map { try Self.read($0) }
        let diff = RunDiff(
            bases: Array(digests.dropLast()), new: digests[digests.count - 1],
            ignoring: ignore.map(GlobPattern.init), reads: reads)
        let gates = self.gates
        let out = BufferedOutput(fd: .standardOutput)
        if json {
            out.write(DiffJSON.document(diff, gates: gates, allowIncomplete: allowIncomplete))
        } else if markdown {
            out.write(DiffMarkdown.document(diff, gates: gates, allowIncomplete: allowIncomplete))
        } else {
            out.write(
                DiffText(colour: ReportOutput.wantsColour(out)).render(
                    diff, gates: gates, allowIncomplete: allowIncomplete))
        }
        out.flush()
        try ReportOutput.finish(out, path: nil)
        switch diff.verdict(gates, allowIncomplete: allowIncomplete) {
        case .passed: return
        case .violated: throw ObsctlExitCode.exit(ObsctlExitCode.gateViolated)
        case .untrusted: throw ObsctlExitCode.exit(ObsctlExitCode.untrustedComparison)
        }
    }

    /// One recording's digest; an unreadable or invalid one is reported on stderr and ends
    /// obsctl with 66 or 65, as `report` does.
    static func read(_ path: String) throws(ExitCode) -> RunDigest {
        do {
            return try RunDigest.read(path)
        } catch {
            Diagnostics.print(error.message)
            throw ObsctlExitCode.exit(
                error.code == .recordingUnreadable ? ObsctlExitCode.cannotReadInput : ObsctlExitCode.invalidInput)
        }
    }
}
