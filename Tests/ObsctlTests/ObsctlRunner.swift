import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the real built `obsctl` binary with exact argv bytes and collects what it did.
///
/// `posix_spawn` rather than Foundation's `Process`: arguments must be able to carry bytes that
/// are not UTF-8, which a Swift `String` cannot.
enum ObsctlRunner {
    struct Outcome {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]

        var exitCode: Int32? { status & 0x7f == 0 ? (status >> 8) & 0xff : nil }
        var termSignal: Int32? { status & 0x7f == 0 ? nil : status & 0x7f }
        var out: String { String(decoding: stdout, as: UTF8.self) }
        var err: String { String(decoding: stderr, as: UTF8.self) }
        var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

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

    /// A started obsctl with pipes on stdout and stderr (stdin is /dev/null).
    final class Running {
        let pid: pid_t
        var stdoutFD: Int32
        var stderrFD: Int32
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []

        init(pid: pid_t, stdoutFD: Int32, stderrFD: Int32) {
            self.pid = pid
            self.stdoutFD = stdoutFD
            self.stderrFD = stderrFD
        }

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
                let n = read(stdoutFD, &chunk, chunk.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return nil }
                stdout += chunk[0..<n]
            }
        }

        /// Closes our end of obsctl's stdout, like `head` exiting.
        func closeStdout() {
            close(stdoutFD)
            stdoutFD = -1
        }

        /// Reads both pipes to EOF, then reaps obsctl.
        func finish() -> Outcome {
            var chunk = [UInt8](repeating: 0, count: 65536)
            var fds: [pollfd] = []
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0))
            while !fds.isEmpty {
                if poll(&fds, nfds_t(fds.count), -1) < 0 {
                    if errno == EINTR { continue }
                    break
                }
                var open: [pollfd] = []
                for p in fds {
                    if p.revents == 0 {
                        open.append(p)
                        continue
                    }
                    let n = read(p.fd, &chunk, chunk.count)
                    if n > 0 {
                        if p.fd == stdoutFD { stdout += chunk[0..<n] } else { stderr += chunk[0..<n] }
                        open.append(pollfd(fd: p.fd, events: p.events, revents: 0))
                    } else if n < 0 && errno == EINTR {
                        open.append(pollfd(fd: p.fd, events: p.events, revents: 0))
                    } else {
                        close(p.fd)
                    }
                }
                fds = open
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return Outcome(status: status, stdout: stdout, stderr: stderr)
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

    static func start(
        _ arguments: [[UInt8]], environment: [String: String] = [:], removing: [String] = [],
        launch: Launch = .direct
    ) throws -> Running {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // Socket pairs, because they can be made close-on-exec atomically (Swift's Glibc has no
        // pipe2): tests run in parallel, and a descriptor leaked into another test's child would
        // keep our end open. A write to a pair whose peer is closed fails with EPIPE, as on a pipe.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &outPipe) == 0)
        try #require(socketpair(AF_UNIX, type, 0, &errPipe) == 0)
        shutdown(outPipe[0], Int32(SHUT_WR))
        shutdown(errPipe[0], Int32(SHUT_WR))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        for k in removing { env[k] = nil }
        let argv = (launch.prefix + [binary]).map { Array($0.utf8) } + arguments
        let program = launch.prefix.first ?? binary
        let envList = env.map { Array("\($0.key)=\($0.value)".utf8) }
        func cStrings(_ list: [[UInt8]]) -> [UnsafeMutablePointer<CChar>?] {
            list.map { bytes in
                let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
                p[bytes.count] = 0
                return p
            } + [nil]
        }
        let cArgv = cStrings(argv)
        let cEnv = cStrings(envList)
        defer {
            for p in cArgv { p?.deallocate() }
            for p in cEnv { p?.deallocate() }
        }
        // Default dispositions and an empty mask, whatever the test runner set for itself.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, &attributes, cArgv, cEnv)
        close(outPipe[1])
        close(errPipe[1])
        try #require(rc == 0, "posix_spawn(\(program)) failed: \(rc)")
        return Running(pid: pid, stdoutFD: outPipe[0], stderrFD: errPipe[0])
    }

    /// Runs obsctl to completion.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], removing: [String] = [], launch: Launch = .direct
    ) throws -> Outcome {
        try start(arguments.map { Array($0.utf8) }, environment: environment, removing: removing, launch: launch)
            .finish()
    }

    static func run(bytes arguments: [[UInt8]]) throws -> Outcome {
        try start(arguments).finish()
    }

    /// Validates JSON Lines against the schema with python3's jsonschema; returns the validator's
    /// complaints (empty when every line is valid).
    static func schemaErrors(_ jsonLines: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-\(UUID().uuidString).jsonl")
        try Data(jsonLines).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", validatorPath, schemaPath, file.path]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        if python.terminationStatus != 0 && text.isEmpty { return "validator exited \(python.terminationStatus)" }
        return python.terminationStatus == 0 ? "" : text
    }

    /// Parses each line as a JSON object.
    static func objects(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
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
