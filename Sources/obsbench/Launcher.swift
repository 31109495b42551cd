#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Starts and reaps the commands a benchmark times, through `posix_spawnp(3)` and `wait4(2)`.
///
/// The harness itself must not perturb what it measures, so it uses the leanest path glibc offers
/// (posix_spawn is a `clone(CLONE_VM|CLONE_VFORK)` underneath) and reads the exit status and
/// rusage from the one `wait4` that reaps the command.
enum Launcher {
    /// Where a command's standard output or error goes.
    enum Sink: Sendable {
        case inherit
        case null
        /// The write end of a pipe the caller reads; the child gets it as the descriptor.
        case descriptor(Int32)
    }

    /// What one timed command did.
    struct Outcome: Sendable {
        /// Wall time from just before `posix_spawnp` to just after `wait4`, in nanoseconds.
        var wallNs: UInt64
        /// The raw `wait4` status.
        var status: Int32
        /// `ru_maxrss` of the command (Linux: the largest of itself and the descendants it reaped), bytes.
        var maxRSSBytes: UInt64
        var userNs: UInt64
        var systemNs: UInt64
        /// CLOCK_MONOTONIC just before `posix_spawnp` (comparable with events' `timestampNs`).
        var startNs: UInt64 = 0

        var exitedCleanly: Bool { (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0 }
        var describeStatus: String {
            (status & 0x7f) == 0 ? "exit \((status >> 8) & 0xff)" : "signal \(status & 0x7f)"
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `argv` (searched on PATH) and returns its pid.
    /// With `newProcessGroup` the command leads its own group, so `kill(-pid, …)` reaches all of it.
    /// `environment` adds (or replaces) variables in this process's environment for the command.
    static func spawn(
        _ argv: [String], stdout: Sink = .null, stderr: Sink = .null, newProcessGroup: Bool = false,
        environment: [String: String] = [:]
    ) throws -> pid_t {
        precondition(!argv.isEmpty, "empty argv")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newProcessGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        func wire(_ sink: Sink, _ target: Int32) {
            switch sink {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        wire(stdout, 1)
        wire(stderr, 2)
        var pid: pid_t = 0
        let rc = withCStringArray(argv) { argvPointer in
            guard !environment.isEmpty else {
                return posix_spawnp(&pid, argvPointer[0]!, &actions, &attributes, argvPointer, environ)
            }
            return withCStringArray(mergedEnvironment(environment)) { envPointer in
                posix_spawnp(&pid, argvPointer[0]!, &actions, &attributes, argvPointer, envPointer)
            }
        }
        if rc != 0 {
            throw SpawnError(description: "posix_spawnp(\(argv[0])) failed: \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Reaps `pid` with `wait4(2)`, retrying on EINTR.
    static func reap(_ pid: pid_t) -> (status: Int32, usage: rusage) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            precondition(errno == EINTR, "wait4(\(pid)) failed: errno \(errno)")
        }
        return (status, usage)
    }

    /// This process's environment with `overrides` applied, as `NAME=value` strings.
    static func mergedEnvironment(_ overrides: [String: String]) -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
            if overrides[name] == nil { out.append(text) }
            p += 1
        }
        return out + overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    /// Runs `argv` to completion and times it.
    static func run(
        _ argv: [String], stdout: Sink = .null, stderr: Sink = .null, environment: [String: String] = [:]
    ) throws -> Outcome {
        let start = monotonicNs()
        let pid = try spawn(argv, stdout: stdout, stderr: stderr, environment: environment)
        let (status, usage) = reap(pid)
        let end = monotonicNs()
        return outcome(start: start, end: end, status: status, usage: usage)
    }

    static func outcome(start: UInt64, end: UInt64, status: Int32, usage: rusage) -> Outcome {
        Outcome(
            wallNs: end - start, status: status, maxRSSBytes: UInt64(max(0, usage.ru_maxrss)) * 1024,
            userNs: nanoseconds(usage.ru_utime), systemNs: nanoseconds(usage.ru_stime), startNs: start)
    }

    /// Runs `argv` to completion, times it, and returns what it wrote on standard output (obsctl's
    /// summary). The output is read after the timed `wait4` would have returned only in the sense
    /// that the pipe is drained concurrently by this thread; a summary is a few hundred bytes, so
    /// it never fills the pipe.
    /// `started` is called with the pid right after the spawn (the kernel-cost sections watch it).
    static func runCapturing(
        _ argv: [String], environment: [String: String] = [:], started: (pid_t) -> Void = { _ in }
    ) throws -> (Outcome, String) {
        guard let fds = closeOnExecPipe() else {
            throw SpawnError(description: "pipe failed: errno \(errno)")
        }
        defer { close(fds[0]) }
        let start = monotonicNs()
        let pid: pid_t
        do {
            pid = try spawn(argv, stdout: .descriptor(fds[1]), stderr: .null, environment: environment)
        } catch {
            close(fds[1])
            throw error
        }
        close(fds[1])
        started(pid)
        let bytes = readAll(fds[0])
        let (status, usage) = reap(pid)
        let end = monotonicNs()
        return (outcome(start: start, end: end, status: status, usage: usage), String(decoding: bytes, as: UTF8.self))
    }

    /// Reads `fd` to end of file.
    static func readAll(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }

    /// Runs `argv` and returns its standard output (for `obsctl capabilities --json`), or nil if it failed.
    static func capture(_ argv: [String], environment: [String: String] = [:], withStderr: Bool = false) -> String? {
        guard let fds = closeOnExecPipe() else { return nil }
        defer { close(fds[0]) }
        let pid: pid_t
        do {
            pid = try spawn(
                argv, stdout: .descriptor(fds[1]), stderr: withStderr ? .descriptor(fds[1]) : .null,
                environment: environment)
        } catch {
            close(fds[1])
            return nil
        }
        close(fds[1])
        let bytes = readAll(fds[0])
        let (status, _) = reap(pid)
        guard status == 0 else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock the library stamps events with.
func monotonicNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func nanoseconds(_ tv: timeval) -> UInt64 {
    UInt64(max(0, tv.tv_sec)) * 1_000_000_000 + UInt64(max(0, tv.tv_usec)) * 1000
}

/// Runs `body` with a NULL-terminated, heap-allocated `char *argv[]`.
func withCStringArray<R, E: Error>(
    _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) throws(E) -> R
) throws(E) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for p in pointers { free(p) } }
    return try body(pointers)
}

/// A blocking pipe whose ends are both close-on-exec (`pipe(2)` + `fcntl(2)`; glibc's `pipe2`
/// is hidden from Swift without _GNU_SOURCE).
func closeOnExecPipe() -> [Int32]? {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return nil }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return fds
}

/// Resolves `name` on PATH like the shell would; nil when absent.
func which(_ name: String) -> String? {
    if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
