import Foundation
import ProcessObserver
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the real built `obsctl` binary with exact argv bytes and collects what it did, through
/// the library's own `NativeProcess` (arguments are `ByteString`s, so bytes that are not UTF-8
/// reach obsctl as they are).
///
/// `run` captures both outputs with `.capture`. `start` gives obsctl sockets of ours instead:
/// a test reads stdout while obsctl runs (a line at a time, or closing it like `head`), which a
/// capture only hands over at the end, and stderr is read only by `finish()`, so a command whose
/// output goes to obsctl's stderr waits for the test as it would for a reader that is slow.
enum ObsctlRunner {
    struct Outcome {
        var status: ProcessObserver.ExitStatus
        var stdout: [UInt8]
        var stderr: [UInt8]

        var exitCode: Int32? { status.exitCode }
        var termSignal: Int32? { status.signal }
        var out: String { String(decoding: stdout, as: UTF8.self) }
        var err: String { String(decoding: stderr, as: UTF8.self) }
        var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    /// More than any test makes obsctl print; a test that hits it sees the output cut.
    static let captureLimit = 64 << 20

    /// The binary next to the test bundle in the build products directory.
    static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Bundles that are directories (…xctest/Contents/…) sit deeper; walk up to the products dir.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("obsctl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "obsctl-not-found-next-to-\(exe)"
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let schemaPath = repositoryRoot.appendingPathComponent("Docs/events.schema.json").path
    static let validatorPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/validate_events.py").path

    /// A started obsctl: stdout and stderr on sockets the test reads, stdin /dev/null.
    final class Running {
        let process: RunningProcess
        private var stdoutFD: FileDescriptor?
        private var stderrFD: FileDescriptor?
        private(set) var stdout: [UInt8] = []
        private(set) var stderr: [UInt8] = []

        init(process: RunningProcess, stdoutFD: FileDescriptor, stderrFD: FileDescriptor) {
            self.process = process
            self.stdoutFD = stdoutFD
            self.stderrFD = stderrFD
        }

        var pid: pid_t { process.processID }

        /// Reads stdout (only) until it holds a line containing `marker`; returns that line.
        func readStdoutLine(containing marker: String) -> String? {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let text = String(decoding: stdout, as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
                    text.contains(line + "\n")
                {
                    return String(line)
                }
                guard let fd = stdoutFD,
                    let n = try? chunk.withUnsafeMutableBytes({ try fd.read(into: $0, retryOnInterrupt: true) }),
                    n > 0
                else { return nil }
                stdout += chunk[0..<n]
            }
        }

        /// Closes our end of obsctl's stdout, like `head` exiting.
        func closeStdout() {
            try? stdoutFD?.close()
            stdoutFD = nil
        }

        /// Reads both sockets to EOF (`poll(2)` on the open ones), then waits for obsctl.
        func finish() -> Outcome {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while stdoutFD != nil || stderrFD != nil {
                let open = [stdoutFD, stderrFD].compactMap { $0 }
                var fds = open.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
                if poll(&fds, nfds_t(fds.count), -1) < 0 { continue }  // EINTR
                for (fd, p) in zip(open, fds) where p.revents != 0 {
                    let n = (try? chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }) ?? 0
                    if fd == stdoutFD {
                        if n > 0 { stdout += chunk[0..<n] } else { closeStdout() }
                    } else {
                        if n > 0 { stderr += chunk[0..<n] } else { closeStderr() }
                    }
                }
            }
            return Outcome(status: process.wait().status, stdout: stdout, stderr: stderr)
        }

        private func closeStderr() {
            try? stderrFD?.close()
            stderrFD = nil
        }

        deinit {
            closeStdout()
            closeStderr()
        }
    }

    /// How obsctl is launched: directly, or through `setpriv` as uid/gid 65534 with no
    /// supplementary groups and no capabilities (inheritable, hence ambient, cleared; the
    /// permitted and effective sets go with the change from uid 0), so that the real eBPF probe
    /// meets a truly unprivileged process.
    enum Launch {
        case direct
        case unprivileged

        /// Already unprivileged when the tests do not run as root: setpriv could not switch then.
        var prefix: [String] {
            guard self == .unprivileged, getuid() == 0 else { return [] }
            return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
        }
    }

    /// obsctl (or setpriv running it) as a `NativeProcess`, with the test's environment changed
    /// by `environment` and less `removing`. The spawn gives it default signal dispositions and
    /// an empty mask, whatever the test runner set for itself, and its own process group.
    private static func process(
        _ arguments: [[UInt8]], environment: [String: String], removing: [String], launch: Launch,
        standardOutput: OutputSink, standardError: OutputSink
    ) -> NativeProcess {
        var changes: [String: String?] = environment.mapValues { $0 }
        for key in removing { changes[key] = .some(nil) }
        let command = launch.prefix + [binary]
        return NativeProcess(
            .path(FilePath(command[0])),
            arguments: (command.dropFirst().map { Array($0.utf8) } + arguments).map { ByteString($0) },
            environment: .inherit(updating: changes), standardInput: .null, standardOutput: standardOutput,
            standardError: standardError,
            // obsctl runs as from a shell: in the test process's own cgroup, ended with its own
            // exit (what obsctl leaves behind is what the tests look for, not the harness's to wait for).
            containment: .processGroup)
    }

    static func start(
        _ arguments: [[UInt8]], environment: [String: String] = [:], removing: [String] = [],
        launch: Launch = .direct
    ) throws -> Running {
        let out = try socketPair()
        let err = try socketPair()
        defer {
            try? out.theirs.close()
            try? err.theirs.close()
        }
        let running: RunningProcess
        do {
            running = try process(
                arguments, environment: environment, removing: removing, launch: launch,
                standardOutput: .fileDescriptor(out.theirs), standardError: .fileDescriptor(err.theirs)
            ).spawn()
        } catch {
            try? out.ours.close()
            try? err.ours.close()
            throw error
        }
        return Running(process: running, stdoutFD: out.ours, stderrFD: err.ours)
    }

    /// A socket pair for one of obsctl's outputs, because it can be made close-on-exec
    /// atomically (Swift's Glibc has no pipe2): a descriptor leaked into another child would
    /// keep our end open. A write to a pair whose peer is closed fails with EPIPE, as on a pipe.
    private static func socketPair() throws -> (ours: FileDescriptor, theirs: FileDescriptor) {
        var pair: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &pair) == 0)
        shutdown(pair[0], Int32(SHUT_WR))
        return (FileDescriptor(rawValue: pair[0]), FileDescriptor(rawValue: pair[1]))
    }

    /// Runs obsctl to completion.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], removing: [String] = [], launch: Launch = .direct
    ) throws -> Outcome {
        try run(bytes: arguments.map { Array($0.utf8) }, environment: environment, removing: removing, launch: launch)
    }

    static func run(
        bytes arguments: [[UInt8]], environment: [String: String] = [:], removing: [String] = [],
        launch: Launch = .direct
    ) throws -> Outcome {
        let result = try process(
            arguments, environment: environment, removing: removing, launch: launch,
            standardOutput: .capture(maxBytes: captureLimit), standardError: .capture(maxBytes: captureLimit)
        ).run()
        return Outcome(status: result.status, stdout: result.standardOutput ?? [], stderr: result.standardError ?? [])
    }

    /// Validates JSON Lines against the schema with python3's jsonschema; returns the validator's
    /// complaints (empty when every line is valid).
    static func schemaErrors(_ jsonLines: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-\(UUID().uuidString).jsonl")
        try Data(jsonLines).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try NativeProcess(
            .name("python3"), arguments: [validatorPath, schemaPath, file.path], standardInput: .null,
            standardOutput: .capture(maxBytes: captureLimit), standardError: .capture(maxBytes: captureLimit)
        ).run()
        let text = String(decoding: (result.standardOutput ?? []) + (result.standardError ?? []), as: UTF8.self)
        if result.status == .exited(code: 0) { return "" }
        return text.isEmpty ? "validator ended with \(result.status)" : text
    }

    static let reportSchemaPath = repositoryRoot.appendingPathComponent("Docs/report.schema.json").path

    /// Validates one `obsctl report --json` document against `Docs/report.schema.json` (the same
    /// validator: a document is one line); returns the complaints, empty when valid.
    static func reportSchemaErrors(_ document: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-\(UUID().uuidString).json")
        try Data(document).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try NativeProcess(
            .name("python3"), arguments: [validatorPath, reportSchemaPath, file.path], standardInput: .null,
            standardOutput: .capture(maxBytes: captureLimit), standardError: .capture(maxBytes: captureLimit)
        ).run()
        let text = String(decoding: (result.standardOutput ?? []) + (result.standardError ?? []), as: UTF8.self)
        if result.status == .exited(code: 0) { return "" }
        return text.isEmpty ? "validator ended with \(result.status)" : text
    }

    /// Parses each line as a JSON object.
    static func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// The events of a recording's lines: the first line must be the header (`kind` `header`,
    /// `seq` 0: every JSON stream obsctl writes starts with one), and is left out.
    static func events(_ lines: [String]) throws -> [[String: Any]] {
        let all = try objects(lines)
        let header = try #require(all.first, "the recording is empty")
        #expect(header["kind"] as? String == "header", "the first line is not the header")
        #expect(header["seq"] as? Int == 0)
        return Array(all.dropFirst())
    }

    /// The exact bytes of a byte-string member, by the documented scheme: `<key>_b64` when
    /// present, else the UTF-8 of `<key>`.
    static func exactArgv(_ object: [String: Any]) throws -> [[UInt8]] {
        if let encoded = object["argv_b64"] as? [String] {
            return try encoded.map { try #require(Data(base64Encoded: $0)).map { $0 } }
        }
        let argv = try #require(object["argv"] as? [String])
        return argv.map { Array($0.utf8) }
    }
}
