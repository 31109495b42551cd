import CSpawn
import SystemPackage

/// Starting a child: PATH lookup, and the C shim's fork + start gate or posix_spawn, with their
/// failures turned into `ObserverError`s that name the step. The shim is the part of the platform
/// seam that Swift must not do itself (nothing but async-signal-safe calls after `fork`).
enum Spawner {
    /// Finds the file to execve: a path as given, or the first executable regular file named
    /// `name` on the child's `PATH` (ours if it has none).
    static func resolve(_ executable: Executable, environment: Environment) throws(ObserverError) -> ByteString {
        switch executable.storage {
        case .path(let path):
            return ByteString(path.string)
        case .name(let name):
            let search =
                environment.value(of: "PATH") ?? Syscall.environmentValue("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
            var sawNonExecutable: String?
            for dir in search.split(separator: ":", omittingEmptySubsequences: false) {
                let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
                guard Syscall.isRegularFile(candidate) else { continue }
                if Syscall.isExecutable(candidate) { return ByteString(candidate) }
                sawNonExecutable = sawNonExecutable ?? candidate
            }
            if let path = sawNonExecutable { throw ObserverError.exec(ByteString(path), errno: .permissionDenied) }
            throw ObserverError.executableNotFound(name)
        }
    }

    /// What the child is started with.
    struct Command {
        var path: ByteString
        var argv: [ByteString]
        var environment: [ByteString]
        var workingDirectory: FilePath?
        var stdio: (Int32, Int32, Int32)
        /// The run's cgroup v2 directory, which the child is created in.
        var cgroup: FileDescriptor? = nil
        /// The signal the child gets when the spawning thread exits (0: none).
        var deathSignal: Int32 = 0
    }

    /// Creates the child and leaves it waiting at the start gate: through the spawn helper
    /// (`SpawnHelper`), else forked from this process.
    static func forkGated(_ command: Command) throws(ObserverError) -> obs_gated_child {
        SpawnHelper.prepare()
        var child = obs_gated_child()
        var failure = obs_spawn_failure()
        let rc = try withExecArguments(command) { pathPtr, argvPtr, envPtr, cwdPtr in
            let helped = obs_helper_spawn_gated(
                pathPtr, argvPtr, envPtr, cwdPtr, command.stdio.0, command.stdio.1, command.stdio.2,
                command.cgroup?.rawValue ?? -1, command.deathSignal, &child, &failure)
            guard helped == 1 else { return helped }
            return obs_spawn_gated(
                pathPtr, argvPtr, envPtr, cwdPtr, command.stdio.0, command.stdio.1, command.stdio.2,
                command.cgroup?.rawValue ?? -1, command.deathSignal, &child, &failure)
        }
        if rc != 0 { throw error(failure, command) }
        return child
    }

    /// Starts the child with no start gate: through the spawn helper (`SpawnHelper`), else with
    /// posix_spawn. Returns its pid.
    static func spawnDirect(_ command: Command) throws(ObserverError) -> Int32 {
        SpawnHelper.prepare()
        var pid: Int32 = 0
        var failure = obs_spawn_failure()
        let rc = try withExecArguments(command) { pathPtr, argvPtr, envPtr, cwdPtr in
            let helped = obs_helper_spawn(
                pathPtr, argvPtr, envPtr, cwdPtr, command.stdio.0, command.stdio.1, command.stdio.2, nil, 0, 0, &pid,
                &failure)
            guard helped == 1 else { return helped }
            return obs_spawn_direct(
                pathPtr, argvPtr, envPtr, cwdPtr, command.stdio.0, command.stdio.1, command.stdio.2, &pid, &failure)
        }
        if rc != 0 { throw error(failure, command) }
        return pid
    }

    /// Starts the child with a vfork-like clone that first puts itself in the cgroups whose
    /// `cgroup.procs` files are `join` (no page-table copy, no start gate): the spawn helper's
    /// clone (`SpawnHelper`), else one from this process. Returns its pid.
    static func spawnJoining(_ command: Command, join: [FileDescriptor]) throws(ObserverError) -> Int32 {
        SpawnHelper.prepare()
        var pid: Int32 = 0
        var failure = obs_spawn_failure()
        let fds = join.map(\.rawValue)
        let rc = try withExecArguments(command) { pathPtr, argvPtr, envPtr, cwdPtr in
            fds.withUnsafeBufferPointer { joinPtr in
                let helped = obs_helper_spawn(
                    pathPtr, argvPtr, envPtr, cwdPtr, command.stdio.0, command.stdio.1, command.stdio.2,
                    joinPtr.baseAddress, Int32(fds.count), command.deathSignal, &pid, &failure)
                guard helped == 1 else { return helped }
                return obs_spawn_joining(
                    pathPtr, argvPtr, envPtr, cwdPtr, command.stdio.0, command.stdio.1, command.stdio.2,
                    joinPtr.baseAddress, Int32(fds.count), command.deathSignal, &pid, &failure)
            }
        }
        if rc != 0 { throw error(failure, command) }
        return pid
    }

    /// Opens the gate; returns the failure of the child's set-up or execve, or nil when it runs.
    static func release(_ child: inout obs_gated_child, _ command: Command) -> ObserverError? {
        var failure = obs_spawn_failure()
        return obs_spawn_release(&child, &failure) == 0 ? nil : error(failure, command)
    }

    /// The error for a step the shim reports.
    private static func error(_ failure: obs_spawn_failure, _ command: Command) -> ObserverError {
        let errno = Errno(rawValue: failure.err)
        let cwd = command.workingDirectory.map { ByteString($0.string) }
        let starting = ObserverError.starting(command.path)
        switch UInt32(failure.step) {
        case OBS_STEP_PIPE.rawValue:
            return .systemCall(
                .spawnFailed, failure: starting, call: "pipe2 (the start gate and error pipes)", errno: errno,
                reason: "the pipes that hold the child at its start gate could not be made")
        case OBS_STEP_FORK.rawValue:
            return .systemCall(
                .spawnFailed, failure: starting, call: "fork", errno: errno,
                reason: "the kernel refused to create the child process")
        case OBS_STEP_CLONE3.rawValue:
            return .systemCall(
                .containmentFailed, failure: starting, call: "clone3 (CLONE_INTO_CGROUP)", errno: errno,
                reason: "the child could not be created inside its run's cgroup")
        case OBS_STEP_SETPGID.rawValue:
            return .childSetUp(.processGroup, path: command.path, workingDirectory: cwd, errno: errno)
        case OBS_STEP_DUP2.rawValue:
            return .childSetUp(.standardIO(fd: failure.fd), path: command.path, workingDirectory: cwd, errno: errno)
        case OBS_STEP_CHDIR.rawValue:
            return .childSetUp(.changeDirectory, path: command.path, workingDirectory: cwd, errno: errno)
        case OBS_STEP_CGROUP.rawValue:
            return .systemCall(
                .containmentFailed, failure: starting, call: "write (cgroup.procs)", errno: errno,
                reason: "the child could not enter its run's cgroup")
        case OBS_STEP_GATE.rawValue:
            return .childSetUp(.startGate, path: command.path, workingDirectory: cwd, errno: errno)
        default:
            return .exec(command.path, errno: errno)
        }
    }

    /// Checks for NUL bytes, then lends `body` the C strings both spawn paths pass to the shim:
    /// the path, the NULL-terminated argv and envp, and the working directory (or NULL).
    private static func withExecArguments(
        _ command: Command,
        _ body: (
            UnsafeMutablePointer<CChar>?, UnsafePointer<UnsafeMutablePointer<CChar>?>,
            UnsafePointer<UnsafeMutablePointer<CChar>?>, UnsafePointer<CChar>?
        ) -> Int32
    ) throws(ObserverError) -> Int32 {
        try checkNoNUL(command)
        return withCStrings(command.argv) { argvPtr in
            withCStrings(command.environment) { envPtr in
                withCStrings([command.path]) { pathPtr in
                    guard let cwd = command.workingDirectory else { return body(pathPtr[0], argvPtr, envPtr, nil) }
                    return cwd.withPlatformString { body(pathPtr[0], argvPtr, envPtr, $0) }
                }
            }
        }
    }

    private static func checkNoNUL(_ command: Command) throws(ObserverError) {
        let starting = ObserverError.starting(command.path)
        for (index, arg) in command.argv.enumerated() where arg.bytes.contains(0) {
            throw ObserverError(
                .invalidConfiguration, failure: starting, reason: "argument \(index) contains a NUL byte",
                remedy: "Remove the NUL byte: execve cannot pass one")
        }
        if command.path.bytes.contains(0) {
            throw ObserverError(
                .invalidConfiguration, failure: starting, reason: "the executable path contains a NUL byte",
                remedy: "Remove the NUL byte: execve cannot pass one")
        }
    }

    /// A pidfd for the child `pid`. Backed by `pidfd_open(2)`.
    static func pidfd(for pid: Int32, failure: String) throws(ObserverError) -> FileDescriptor {
        do {
            return try Syscall.pidfdOpen(pid)
        } catch {
            if error == .noSuchProcess {
                throw ObserverError(
                    .processNotFound, failure: failure, reason: "process \(pid) does not exist (or has exited)",
                    call: "pidfd_open", errno: error, remedy: "Check the process id")
            }
            if error == .noFunction {
                throw ObserverError(
                    .spawnFailed, failure: failure, reason: "this kernel has no pidfd_open", call: "pidfd_open",
                    errno: error, remedy: "Use Linux 5.3 or later")
            }
            throw ObserverError.systemCall(
                .spawnFailed, failure: failure, call: "pidfd_open", errno: error,
                reason: "a descriptor to watch process \(pid) could not be opened")
        }
    }

    /// A close-on-exec, non-blocking pipe for `purpose` (`the captured standard output`).
    static func pipe(for purpose: String, failure: String) throws(ObserverError)
        -> (read: FileDescriptor, write: FileDescriptor)
    {
        do {
            return try Syscall.pipe()
        } catch {
            throw ObserverError.systemCall(
                .spawnFailed, failure: failure, call: "pipe2 (\(purpose))", errno: error,
                reason: "the pipe for \(purpose) could not be made")
        }
    }

    /// A close-on-exec pipe for a child's captured output: our read end is non-blocking, the
    /// child's write end blocks. `O_NONBLOCK` belongs to the open file description, which the
    /// child's copy shares, so a non-blocking write end would make a child that writes faster than
    /// we read meet EAGAIN (and fail: "write error").
    static func capturePipe(failure: String) throws(ObserverError) -> (read: FileDescriptor, write: FileDescriptor) {
        let p = try pipe(for: "the captured output", failure: failure)
        do {
            try Syscall.setBlocking(p.write, true)
        } catch {
            try? p.read.close()
            try? p.write.close()
            throw ObserverError(
                .spawnFailed, failure: failure, reason: "the captured output's pipe could not be made blocking",
                call: "fcntl(F_SETFL)", errno: error)
        }
        return p
    }

    /// Reaps `pid`, with its rusage. ECHILD (someone else reaped it: a `SIGCHLD` set to
    /// `SIG_IGN` elsewhere in the process) leaves nothing to report: status 0, no usage.
    static func wait4Blocking(_ pid: Int32) -> (status: Int32, usage: ResourceUsage) {
        (try? Syscall.wait4(pid)) ?? (0, ResourceUsage())
    }
}

/// Runs `body` with a NULL-terminated `char *[]` built from `strings`.
func withCStrings<R>(_ strings: [ByteString], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { s in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.bytes.count + 1)
        for (i, byte) in s.bytes.enumerated() { p[i] = CChar(bitPattern: byte) }
        p[s.bytes.count] = 0
        return p
    }
    pointers.append(nil)
    defer { for p in pointers { p?.deallocate() } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
