import ArgumentParser
import OTLPExport
import ObserverReporting
import ProcessObserver
import SystemPackage

/// `obsctl watch [options] -- CMD [ARG...]`: run CMD and print its events as they happen;
/// `obsctl watch [options] --pid PID`: the same for a process that is already running;
/// `obsctl watch [options] --cgroup PATH`: the same for every process of an existing cgroup.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract:
            "Run a command (or attach to a running process or cgroup) and print its events as they happen, then a "
            + "summary.",
        usage: """
            obsctl watch [options] -- <command> [<argument> ...]
            obsctl watch [options] --pid <pid>
            obsctl watch [options] --cgroup <path>
            """,
        discussion: """
            obsctl exits with the command's exit code, or 128+N when signal N killed it; 127 when \
            the command is not found, 126 when it cannot be executed (Docs/CLI.md lists every \
            code). The command runs in a cgroup of its own where the machine allows it, so \
            nothing it starts escapes: the run lasts until its last process exits (or, with \
            --end-with-root, until the command exits, the rest being ended). SIGINT and SIGTERM \
            are forwarded to every process of the run; what is left after the grace period, or at \
            a second signal, is killed. --timeout ends the whole run the same way.

            With --pid, obsctl observes a running process and its future descendants until the \
            process exits (this needs the eBPF backend, which reports the exit), and exits with \
            the process's exit code by the same convention. SIGINT or SIGTERM stops observing and \
            leaves the process running; obsctl then exits 128+N for the signal N it received. It \
            exits 1 when the process does not exist or eBPF is unavailable. --timeout does not \
            apply; perf samples (--interval) do.

            With --cgroup, obsctl observes every process of an existing cgroup v2 and of the \
            cgroups beneath it (a systemd service, a container), including processes that enter it \
            later, until it holds no process (exit 0) or obsctl gets SIGINT or SIGTERM (128+N). \
            Nothing in the cgroup is ever signalled. PATH is the cgroup's directory, or its path as \
            /proc/<pid>/cgroup shows it. This needs the eBPF backend.

            With --json, stdout carries only JSON Lines (see Docs/EVENTS.md): the summary and \
            diagnostics go to stderr, and so does the command's own standard output unless -o \
            sends the events to a file.
            """
    )

    @OptionGroup var options: OutputOptions

    @OptionGroup(title: "Limits of the whole run") var limitOptions: LimitOptions

    @OptionGroup(title: "Recording to a directory") var recordOptions: RecordOptions

    @OptionGroup(title: "Filters of file and network events (in the kernel)") var filterOptions: FilterOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Categories to observe: a comma list of lifecycle, file, network, process, or all.",
            discussion: "Default: every category this machine supports.", valueName: "list"))
    var categories: String?

    @Flag(name: .long, help: "Fail when a category named in --categories is unavailable (default: warn).")
    var strict = false

    @Option(
        name: .long, help: ArgumentHelp("Seconds between perf samples; 0 turns sampling off.", valueName: "seconds"))
    var interval: Double = 1

    @Option(name: .long, help: ArgumentHelp("Processes listed per sample, busiest first.", valueName: "n"))
    var top: Int = ObserverConfig.defaultTopProcesses

    @Option(
        name: .long,
        help: ArgumentHelp("End the whole run (every process of it) after this many seconds.", valueName: "seconds"))
    var timeout: Double?

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Write the events to this file.", valueName: "file"))
    var outputFile: String?

    @Flag(name: .customLong("no-summary"), help: "Do not print the summary at the end.")
    var noSummary = false

    @Flag(
        name: [.customShort("c"), .customLong("syscall-summary")],
        help: ArgumentHelp(
            "Count every syscall of the tree in the kernel and print strace -c's table at the end.",
            discussion:
                "Calls, errors and time per syscall for the whole tree, by time spent; the JSON stream gets one "
                + "syscalls event per process. Needs the eBPF backend; observes the process category."))
    var syscallSummary = false

    @Flag(
        name: .customLong("per-process"),
        help: ArgumentHelp("With -c, one table per process instead of one for the whole tree."))
    var perProcess = false

    @Flag(
        name: .customLong("no-resolve-paths"),
        help: ArgumentHelp(
            "Report paths only as passed: no absolute paths resolved in the kernel (the cheapest run)."))
    var noResolvePaths = false

    @Flag(
        name: .customLong("no-io-bytes"),
        help: ArgumentHelp(
            "Do not count bytes per file and socket in the kernel: no close events (the cheapest run)."))
    var noIOBytes = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Also send the run to an OpenTelemetry collector (OTLP/HTTP; see Docs/OTLP.md).",
            discussion:
                "The endpoint is --otlp-endpoint, else OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318."))
    var otlp = false

    @Option(
        name: .customLong("otlp-endpoint"),
        help: ArgumentHelp("The collector's OTLP/HTTP endpoint (implies --otlp).", valueName: "url"))
    var otlpEndpoint: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Print the report of the run at the end instead of the summary (what obsctl report prints).",
            discussion: "With --json on standard output, it goes to standard error."))
    var report = false

    @Flag(
        name: .customLong("end-with-root"),
        help: ArgumentHelp(
            "End the run when the command exits: what it left running is ended (SIGTERM, then SIGKILL).",
            discussion: "Default: the run lasts until every process of the command's tree has exited."))
    var endWithRoot = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Attach to this running process instead of starting a command; observe it and its future "
                + "descendants until it exits.", valueName: "pid"))
    var pid: Int32?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Observe every process of this existing cgroup v2 and the cgroups beneath it (a service, a "
                + "container) until it is empty; nothing in it is signalled.", valueName: "path"))
    var cgroup: String?

    @Argument(
        parsing: .postTerminator,
        help: ArgumentHelp("The command to run and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    /// The parsed `--categories` (`validate()` has rejected what does not parse).
    private var selection: CategorySelection {
        categories.flatMap { try? CategorySelection.parse($0) } ?? .automatic
    }

    mutating func validate() throws {
        if let cgroup {
            guard pid == nil, command.isEmpty else {
                throw ValidationError(
                    "--cgroup, --pid and a command after -- are mutually exclusive: observe a cgroup, a process, or "
                        + "a command obsctl starts.")
            }
            guard !cgroup.isEmpty else { throw ValidationError("--cgroup needs the path of a cgroup.") }
            guard timeout == nil, limitOptions.limits.isUnlimited, !endWithRoot else {
                throw ValidationError(
                    "--timeout, --memory-max, --pids-max, --cpu-max and --end-with-root apply only to a command "
                        + "obsctl starts; a cgroup attached to is not obsctl's to end or limit.")
            }
        } else if let pid {
            guard command.isEmpty else {
                throw ValidationError(
                    "--pid and a command after -- are mutually exclusive: attach to a running process, or start one.")
            }
            guard pid > 0 else { throw ValidationError("--pid must be a process id greater than 0.") }
            guard timeout == nil else {
                throw ValidationError(
                    "--timeout applies only to a command obsctl starts; an attached process is not obsctl's to end.")
            }
            guard limitOptions.limits.isUnlimited, !endWithRoot else {
                throw ValidationError(
                    "--memory-max, --pids-max, --cpu-max and --end-with-root apply only to a command obsctl starts.")
            }
        } else if command.isEmpty {
            throw ValidationError(
                "Missing the command to run: obsctl watch [options] -- CMD [ARG...], or attach with --pid PID or "
                    + "--cgroup PATH.")
        }
        guard interval.isFinite, interval >= 0 else {
            throw ValidationError("--interval must be a number of seconds ≥ 0 (0 turns sampling off).")
        }
        guard top >= 1 else { throw ValidationError("--top must be at least 1.") }
        if let timeout, !(timeout.isFinite && timeout > 0) {
            throw ValidationError("--timeout must be a number of seconds > 0.")
        }
        if let categories { _ = try CategorySelection.parse(categories) }
        if perProcess, !syscallSummary {
            throw ValidationError("--per-process applies to the syscall summary: add -c (--syscall-summary).")
        }
    }

    func run() throws {
        // Before anything can start a thread: the mask must be inherited by all of them.
        let forwarder = SignalForwarder.blockAndStart()
        SignalWaiter.ignore(SignalForwarder.brokenPipe)
        if options.verbose { EBPFBackend.verbose = true }
        // Runs end without waiting for their eBPF objects to be released (the programs are inert
        // by then); obsctl waits here, on every way out, so that once it has exited the machine's
        // loaded-program count is back where it was.
        defer { ObserverCleanup.waitForReleases() }

        // A spawned run's eBPF load overlaps the probe and the set-up before the spawn.
        if cgroup == nil, pid == nil {
            let requested: Set<EventCategory> =
                switch selection {
                case .automatic, .all: Set(EventCategory.allCases)
                case .named(let named): named
                }
            EBPFBackend.preload(
                categories: syscallSummary ? requested.union([.process]) : requested, resolvingPaths: !noResolvePaths,
                summarizingSyscalls: syscallSummary, filter: filterOptions.filter, countingIOBytes: !noIOBytes)
        }
        let negotiated = ObserverCapabilities.negotiate(verifyingLoad: false)
        let (categories, problems, leftOut) = selection.resolve(with: negotiated)
        for problem in problems {
            Diagnostics.print((strict ? "error: " : "warning: ") + problem + (strict ? "" : "; watching without it."))
        }
        if strict, !problems.isEmpty { throw ObsctlExitCode.exit(ObsctlExitCode.unavailable) }
        if syscallSummary, negotiated[.process].support == .unavailable {
            Diagnostics.print(
                "warning: the syscall summary (-c) needs the eBPF backend, which is unavailable: "
                    + negotiated[.process].reason + "; watching without it.")
        }

        var otlpConfiguration: OTLPConfiguration?
        if otlp || otlpEndpoint != nil {
            switch OTLPConfiguration.make(url: otlpEndpoint) {
            case .success(let c): otlpConfiguration = c
            case .failure(let error): throw ValidationError(error.message)
            }
        }
        let events = try openEventOutput()
        if let directory = recordOptions.directory {
            // Before anything starts: a recording that cannot be written is said at once.
            do throws(ObserverError) {
                try SegmentedRecordingWriter.prepare(directory: directory)
            } catch {
                Diagnostics.print(error.message)
                throw ObsctlExitCode.exit(ObsctlExitCode.obsctlFailed)
            }
        }
        let eventsOnStdout = outputFile == nil
        let config = ObserverConfig(categories: categories)
            .sampling(every: interval > 0 ? .nanoseconds(Int64(interval * 1e9)) : nil)
            .top(top)
            .resolvingPaths(!noResolvePaths)
            .countingIOBytes(!noIOBytes)
            .summarizingSyscalls(syscallSummary && negotiated[.process].support != .unavailable)
            .filtering(filterOptions.filter)
        let target =
            if let cgroup {
                try WatchTarget.attach(cgroup: cgroup, config: config, exporting: otlpConfiguration != nil)
            } else if let pid {
                try WatchTarget.attach(pid: pid, config: config, exporting: otlpConfiguration != nil)
            } else {
                try WatchTarget.spawn(
                    command: command, config: config, timeout: timeout, endWithRoot: endWithRoot,
                    limits: limitOptions.limits,
                    childStdoutToStderr: options.json && eventsOnStdout, exporting: otlpConfiguration != nil)
            }
        target.connect(forwarder)
        // Once the run has started (a failure to start says enough by itself).
        if let leftOut { Diagnostics.print("note: " + leftOut) }

        let header = RecordingHeader.forThisMachine(
            writer: "obsctl", writerVersion: ObsctlVersion.current,
            clockBase: target.subscriber.clockBase ?? ClockBase(monotonicNs: target.originNs, wallNs: 0),
            capabilities: RecordingHeader.capabilities(
                negotiated, observing: categories, sampling: interval > 0, contained: !target.isAttached),
            processID: target.processID, argv: target.argv, workingDirectory: target.workingDirectory,
            attached: target.isAttached, cgroup: target.cgroupDirectory, filters: filterOptions.filter)
        // The recording's first line: what the events alone cannot say (Docs/EVENTS.md, header).
        if options.json { events.write(EventJSON.headerLine(header)) }
        var reportBuilder = report ? RunReportBuilder(header: header) : nil
        // Read and mapped on a thread of the export's own, sent on the exporter's: never on this
        // loop, never on the run's.
        var otlpExport: OTLPAttachment?
        if let configuration = otlpConfiguration, let subscriber = target.exportSubscriber {
            otlpExport = OTLPAttachment(
                subscriber: subscriber, configuration: configuration, hostName: header.hostName,
                kernelRelease: header.kernelRelease)
        }
        var coverage = RecordingCoverage()
        var recording: SegmentedRecordingWriter?
        if let directory = recordOptions.directory {
            do throws(ObserverError) {
                recording = try SegmentedRecordingWriter(
                    directory: directory, header: header, limits: recordOptions.limits)
            } catch {
                // The run has started: it goes on, unrecorded.
                Diagnostics.print("warning: " + error.message + " The run goes on without a recording.")
            }
        }

        let session = WatchSession(
            output: events, json: options.json,
            formatter: HumanFormatter(
                originNs: target.originNs, colour: Self.wantsColour(events),
                memoryLimit: limitOptions.limits.memoryBytes),
            recording: recording)
        let summary = session.run(
            subscriber: target.subscriber, endEarly: target.endEarly,
            idle: {
                // Not after a signal: the tree is being ended then, and the note's advice is moot.
                if forwarder.received.isEmpty { target.noteWaiting() }
            },
            observe: { event in
                guard reportBuilder != nil else { return }
                reportBuilder!.add(event)
                coverage.count(event)
            },
            beforeProfile: { profile in
                // What the recording could not write is in the profile too.
                if let recording, case .profile(var p) = profile.kind {
                    recording.flush()
                    p.lostWriter = recording.droppedEvents
                    profile.kind = .profile(p)
                }
                // The export has its profile too: let it flush now, so what it could not send is
                // in the stream (a `lost` event of source exporter) and in the profile.
                guard let otlpExport, case .profile(var p) = profile.kind else { return [] }
                let counts = otlpExport.finish()
                let unsent = UInt64(counts.droppedTotal + counts.rejectedTotal)
                guard unsent > 0 else { return [] }
                p.lostExporter = unsent
                var lost = ObserverEvent(
                    seq: profile.seq, timestampNs: profile.timestampNs, category: .lifecycle,
                    processID: profile.processID, kind: .lost(Lost(count: unsent, source: .exporter)))
                lost.wallClockNs = profile.wallClockNs
                profile.seq += 1
                profile.kind = .profile(p)
                return [lost]
            })
        let result = target.wait()
        recording?.close()
        forwarder.detach()
        if let otlpExport {
            let counts = otlpExport.finish()
            Diagnostics.print(OTLPRunExport.summary(sent: otlpExport.sent, counts: counts))
        }

        // An attached process whose exit was not seen: obsctl stopped observing first. A cgroup
        // has no exit status: it emptied, or obsctl stopped observing.
        let status: ExitStatus? =
            target.isAttached && result.status == AttachedRun.unknownStatus ? nil : result.status
        let cgroupEmptied = target.cgroupDirectory != nil && forwarder.received.isEmpty && events.failure == nil
        if !result.leftoverTrackedProcesses.isEmpty {
            // Every tracked process should have left the kernel's map when its thread group died.
            let pids = result.leftoverTrackedProcesses.map(String.init).joined(separator: ", ")
            Diagnostics.print(
                "defect: the eBPF tracked-process map still held \(pids) after the run; please report it.")
        }
        if let failure = events.failure {
            let what = target.isAttached ? "observing was stopped" : "the command was stopped"
            Diagnostics.print("writing events failed: \(failure) (\(ErrnoName.name(of: failure.rawValue))); \(what).")
        }
        if let reportBuilder {
            // The report stands in for the summary, where the summary would go.
            let out =
                options.json && eventsOnStdout
                ? BufferedOutput(fd: .standardError) : (eventsOnStdout ? events : BufferedOutput(fd: .standardOutput))
            out.write(
                TerminalReport(colour: ReportOutput.wantsColour(out)).render(reportBuilder.finish(coverage: coverage)))
            out.flush()
        } else if !noSummary {
            // stdout carries only JSON Lines in --json mode; the summary goes to stderr then.
            let out =
                options.json && eventsOnStdout
                ? BufferedOutput(fd: .standardError) : (eventsOnStdout ? events : BufferedOutput(fd: .standardOutput))
            out.write(
                summary.text(
                    command: target.displayName, status: status, fallback: result.profile,
                    signals: forwarder.received, attached: target.isAttached,
                    outcome: cgroupEmptied ? "its last process exited" : nil))
            out.flush()
        }
        // With --report, the report's SYSCALLS section is the tree's table: only --per-process's
        // tables, which it does not have, follow it.
        if syscallSummary, reportBuilder == nil || perProcess {
            // strace -c's table, after the summary (on stderr with --json on stdout).
            let out =
                options.json && eventsOnStdout
                ? BufferedOutput(fd: .standardError) : (eventsOnStdout ? events : BufferedOutput(fd: .standardOutput))
            out.write(summary.syscallTables(perProcess: perProcess))
            out.flush()
        }
        if events.fd.rawValue > 2 { try? events.fd.close() }
        if let status { throw ObsctlExitCode.exit(status.shellCode) }
        if cgroupEmptied { return }
        // Observing stopped before the attached process exited: the signal obsctl received, or
        // SIGPIPE when the reader of the events went away.
        throw ObsctlExitCode.exit(
            ObsctlExitCode.signaled(forwarder.received.first ?? SignalForwarder.brokenPipe))
    }

    /// Opens `-o FILE` (created or truncated, mode 0666 before umask) or returns stdout.
    private func openEventOutput() throws -> BufferedOutput {
        guard let path = outputFile else { return BufferedOutput(fd: .standardOutput) }
        do {
            let fd = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o666))
            return BufferedOutput(fd: fd)
        } catch {
            let errno = error as? Errno ?? .ioError
            Diagnostics.print(
                "cannot open \(ByteString(path).shellQuoted) for the events: \(errno) "
                    + "(\(ErrnoName.name(of: errno.rawValue))).")
            throw ObsctlExitCode.exit(ObsctlExitCode.obsctlFailed)
        }
    }

    /// Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org) or
    /// TERM is `dumb`.
    private static func wantsColour(_ output: BufferedOutput) -> Bool {
        guard output.isTerminal else { return false }
        if let noColor = Environment.inherit.value(of: "NO_COLOR"), !noColor.isEmpty { return false }
        if Environment.inherit.value(of: "TERM") == "dumb" { return false }
        return true
    }
}
