import ArgumentParser
import ProcessObserver
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `obsctl watch [options] -- CMD [ARG...]`: run CMD and print its events as they happen.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run a command and print its events as they happen, then a summary.",
        discussion: """
            obsctl exits with the command's exit code, or 128+N when signal N killed it; 127 when \
            the command is not found, 126 when it cannot be executed. SIGINT and SIGTERM are \
            forwarded to the command's process group (a third one sends SIGKILL).

            With --json, stdout carries only JSON Lines (see Docs/EVENTS.md): the summary and \
            diagnostics go to stderr, and so does the command's own standard output unless -o \
            sends the events to a file.
            """
    )

    @OptionGroup var options: OutputOptions

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
        help: ArgumentHelp("End the command's process group after this many seconds.", valueName: "seconds"))
    var timeout: Double?

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Write the events to this file.", valueName: "file"))
    var outputFile: String?

    @Flag(name: .customLong("no-summary"), help: "Do not print the summary at the end.")
    var noSummary = false

    @Argument(
        parsing: .postTerminator,
        help: ArgumentHelp("The command to run and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    /// The parsed `--categories` (`validate()` has rejected what does not parse).
    private var selection: CategorySelection {
        categories.flatMap { try? CategorySelection.parse($0) } ?? .automatic
    }

    mutating func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("Missing the command to run: obsctl watch [options] -- CMD [ARG...]")
        }
        guard interval.isFinite, interval >= 0 else {
            throw ValidationError("--interval must be a number of seconds ≥ 0 (0 turns sampling off).")
        }
        guard top >= 1 else { throw ValidationError("--top must be at least 1.") }
        if let timeout, !(timeout.isFinite && timeout > 0) {
            throw ValidationError("--timeout must be a number of seconds > 0.")
        }
        if let categories { _ = try CategorySelection.parse(categories) }
    }

    func run() throws {
        // Before anything can start a thread: the mask must be inherited by all of them.
        let forwarder = SignalForwarder.blockAndStart()
        signal(SIGPIPE, SIG_IGN)

        let (categories, problems) = selection.resolve(with: ObserverCapabilities.negotiate())
        for problem in problems {
            Diagnostics.print((strict ? "error: " : "warning: ") + problem + (strict ? "" : "; watching without it."))
        }
        if strict, !problems.isEmpty { throw ExitCode(1) }

        let events = try openEventOutput()
        let eventsOnStdout = outputFile == nil
        let config = ObserverConfig(categories: categories)
            .sampling(every: interval > 0 ? .nanoseconds(Int64(interval * 1e9)) : nil)
            .top(top)
        let target = try spawnTarget(config: config, childStdoutToStderr: options.json && eventsOnStdout)
        forwarder.attach(target.running)

        let session = WatchSession(
            output: events, json: options.json,
            formatter: HumanFormatter(originNs: target.originNs, colour: Self.wantsColour(events)))
        let summary = session.run(subscriber: target.subscriber, running: target.running)
        let result = target.running.wait()
        forwarder.detach()

        if let failure = events.failure {
            Diagnostics.print("writing events failed: \(String(cString: strerror(failure))); the command was stopped.")
        }
        if !noSummary {
            // stdout carries only JSON Lines in --json mode; the summary goes to stderr then.
            let out =
                options.json && eventsOnStdout
                ? BufferedOutput(fd: 2) : (eventsOnStdout ? events : BufferedOutput(fd: 1))
            out.write(
                summary.text(
                    command: target.displayName, status: result.status, fallback: result.profile,
                    signals: forwarder.received))
            out.flush()
        }
        if events.fd > 2 { close(events.fd) }
        throw ExitCode(result.status.shellCode)
    }

    /// A started command: the handle, its one subscriber, and time zero for the human format.
    /// (`--pid` will produce the same from an attach.)
    struct Target {
        var running: RunningProcess
        var subscriber: ObserverSubscriber
        var originNs: UInt64
        var displayName: String
    }

    private func spawnTarget(config: ObserverConfig, childStdoutToStderr: Bool) throws -> Target {
        // The exact bytes of CMD and its arguments: ArgumentParser took them (lossily) from after
        // the `--`, so they are the trailing values of argv.
        let raw = RawArguments.suffix(command.count).map { ByteString(bytes: $0) }
        let name = raw[0]
        let executable: Executable =
            name.bytes.contains(UInt8(ascii: "/"))
            ? .path(
                name.bytes.withUnsafeBufferPointer { buffer in
                    FilePath(String(decoding: buffer, as: UTF8.self))
                })
            : .name(name.string)
        let process = NativeProcess(
            executable, arguments: Array(raw.dropFirst()),
            standardOutput: childStdoutToStderr ? .fileDescriptor(FileDescriptor(rawValue: 2)) : .inherit,
            timeout: timeout.map { .nanoseconds(Int64($0 * 1e9)) })
        let subscriber = process.withObserver(config)
        let origin = Self.monotonicNs()
        do {
            let running = try process.spawn()
            return Target(running: running, subscriber: subscriber, originNs: origin, displayName: name.string)
        } catch {
            switch error.code {
            case .executableNotFound:
                Diagnostics.print("\(name.string): command not found")
                throw ExitCode(127)
            case .notExecutable:
                Diagnostics.print("\(name.string): \(error.message)")
                throw ExitCode(126)
            default:
                Diagnostics.print("\(name.string): \(error.message)")
                throw ExitCode(125)
            }
        }
    }

    /// Opens `-o FILE` (created or truncated, mode 0666 before umask) or returns stdout.
    private func openEventOutput() throws -> BufferedOutput {
        guard let path = outputFile else { return BufferedOutput(fd: 1) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            Diagnostics.print("cannot open \(path) for the events: \(String(cString: strerror(errno))).")
            throw ExitCode(125)
        }
        return BufferedOutput(fd: fd)
    }

    /// Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org) or
    /// TERM is `dumb`.
    private static func wantsColour(_ output: BufferedOutput) -> Bool {
        guard output.isTerminal else { return false }
        if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return true
    }

    /// `CLOCK_MONOTONIC`, the clock events are stamped with. Backed by `clock_gettime(2)`.
    static func monotonicNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
