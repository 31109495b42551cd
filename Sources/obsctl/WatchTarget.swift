import ArgumentParser
import ProcessObserver
import SystemPackage

/// What `obsctl watch` observes: a command it started (`-- CMD`), or a running process it
/// attached to (`--pid`). Both give one subscriber, time zero for the human format, a way to end
/// the run early and a result; they differ in what a signal to obsctl does (forwarded to the
/// command's run (its cgroup, or its process group where none can be made); for an attached process, observing stops and the process runs on).
struct WatchTarget {
    enum Handle {
        case spawned(RunningProcess)
        case attached(AttachedRun)
    }

    var handle: Handle
    var subscriber: ObserverSubscriber
    /// A second subscriber, for `--otlp`: read by the export's own thread, so mapping never slows
    /// the printing loop, and its buffer's drops are its own.
    var exportSubscriber: ObserverSubscriber?
    /// `CLOCK_MONOTONIC` just before the spawn or the attach.
    var originNs: UInt64
    /// The command name, or `process PID (comm)`, for the summary's headline.
    var displayName: String
    /// The command line and working directory, for the recording's header.
    var argv: [ByteString]
    var workingDirectory: ByteString
    /// Whether `noteWaiting` has spoken.
    let waitingNoted = Flag()

    final class Flag: @unchecked Sendable { var value = false }

    /// The root process: the command started, or the process attached to.
    var processID: Int32 {
        switch handle {
        case .spawned(let running): running.processID
        case .attached(let run): run.processID
        }
    }

    var isAttached: Bool {
        if case .attached = handle { return true }
        return false
    }

    /// The cgroup attached to (`--cgroup`), its directory.
    var cgroupDirectory: String? {
        if case .attached(let run) = handle { return run.cgroupDirectory }
        return nil
    }

    /// Reader gone: every process of a started command's run gets SIGTERM (then SIGKILL after the grace
    /// period); an attached process is let go.
    func endEarly() {
        switch handle {
        case .spawned(let running): running.terminate()
        case .attached(let run): run.stop()
        }
    }

    /// Says once on stderr, when the command has exited but processes it started run on, which
    /// ones the run waits for and how to stop waiting.
    func noteWaiting() {
        guard case .spawned(let running) = handle, !running.isRunning, !waitingNoted.value else { return }
        let remaining = running.remainingProcesses
        guard !remaining.isEmpty else { return }
        waitingNoted.value = true
        let list = remaining.prefix(8).map(String.init).joined(separator: ", ") + (remaining.count > 8 ? ", …" : "")
        Diagnostics.print(
            "note: \(displayName) has exited; waiting for \(remaining.count) more process"
                + "\(remaining.count == 1 ? "" : "es") of its run (\(list)). Ctrl-C ends them; "
                + "--end-with-root ends them with the command.")
    }

    /// Routes obsctl's SIGINT/SIGTERM: forwarded to every process of a started command's run, or, for an
    /// attached process, ending the observation (the process is not ours to signal).
    func connect(_ forwarder: SignalForwarder) {
        switch handle {
        case .spawned(let running): forwarder.attach(running)
        case .attached(let run): forwarder.attach { _, _ in run.stop() }
        }
    }

    /// Blocks until the run is closed: the command reaped, or the attached process's exit seen
    /// (or the observation stopped).
    func wait() -> ProcessResult {
        switch handle {
        case .spawned(let running): running.wait()
        case .attached(let run): run.wait()
        }
    }

    /// Spawns `command` (exact argv bytes, taken from the end of obsctl's own argv) with one
    /// observer. A spawn failure is reported on stderr and becomes obsctl's exit code
    /// (`ObsctlExitCode.forSpawnFailure`: 127 not found, 126 not executable, 125 anything else).
    static func spawn(
        command: [String], config: ObserverConfig, timeout: Double?, endWithRoot: Bool, limits: ResourceLimits,
        childStdoutToStderr: Bool, exporting: Bool = false
    ) throws -> WatchTarget {
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
            timeout: timeout.map { .nanoseconds(Int64($0 * 1e9)) }, runEnd: endWithRoot ? .rootExits : .lastProcessExits
        )
        // obsctl spawns from its main thread, which lives as long as it does: if obsctl is
        // killed, the command dies with it (and the next run reaps what is left of its cgroup).
        process.diesWithSpawningThread = true
        process.limits = limits
        let subscriber = process.withObserver(config)
        let exportSubscriber = exporting ? process.withObserver(config) : nil
        let origin = ObserverEvent.currentTimestampNs()
        do {
            let running = try process.spawn()
            return WatchTarget(
                handle: .spawned(running), subscriber: subscriber, exportSubscriber: exportSubscriber, originNs: origin,
                displayName: name.string, argv: raw, workingDirectory: RecordingHeader.workingDirectory())
        } catch {
            // The shell's form: the command's name once, then what is wrong with it.
            let detail = error.code == .executableNotFound ? "command not found" : error.detail
            Diagnostics.print("\(name.shellQuoted): \(detail)")
            throw ObsctlExitCode.exit(ObsctlExitCode.forSpawnFailure(error))
        }
    }

    /// Attaches to the cgroup at `path` with one observer (`AttachedCgroup`: eBPF observes every
    /// task in it and beneath it). A path that is not a cgroup v2, an empty cgroup, or an eBPF
    /// backend that cannot load is reported on stderr and gives exit code 1.
    static func attach(cgroup path: String, config: ObserverConfig, exporting: Bool = false) throws -> WatchTarget {
        let target = AttachedCgroup(path: path)
        let subscriber = target.withObserver(config)
        let exportSubscriber = exporting ? target.withObserver(config) : nil
        let origin = ObserverEvent.currentTimestampNs()
        do {
            let run = try target.attach()
            return WatchTarget(
                handle: .attached(run), subscriber: subscriber, exportSubscriber: exportSubscriber, originNs: origin,
                displayName: "cgroup " + ByteString(run.cgroupDirectory ?? path).shellQuoted, argv: [],
                workingDirectory: ByteString(""))
        } catch {
            Diagnostics.print(error.message)
            throw ObsctlExitCode.exit(ObsctlExitCode.unavailable)
        }
    }

    /// Attaches to the running process `pid` with one observer (`AttachedProcess`: eBPF tracks it
    /// and its future descendants; its exit status comes from the kernel's exit event). A process
    /// that does not exist, or an eBPF backend that cannot load, is reported on stderr and gives
    /// exit code 1 (`ObsctlExitCode.unavailable`).
    static func attach(pid: Int32, config: ObserverConfig, exporting: Bool = false) throws -> WatchTarget {
        let target = AttachedProcess(processID: pid)
        let subscriber = target.withObserver(config)
        let exportSubscriber = exporting ? target.withObserver(config) : nil
        let origin = ObserverEvent.currentTimestampNs()
        do {
            let run = try target.attach()
            let name = run.command.map { "process \(pid) (\($0.string))" } ?? "process \(pid)"
            return WatchTarget(
                handle: .attached(run), subscriber: subscriber, exportSubscriber: exportSubscriber, originNs: origin,
                displayName: name,
                argv: RecordingHeader.commandLine(of: pid), workingDirectory: RecordingHeader.workingDirectory(of: pid))
        } catch {
            Diagnostics.print(error.message)
            throw ObsctlExitCode.exit(ObsctlExitCode.unavailable)
        }
    }
}
