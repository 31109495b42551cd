import CSpawn
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The platform seam for starting a child: PATH lookup, descriptor wiring, and the C shim's
/// fork + start gate. Everything above this file is plain Swift.
enum Spawner {
    /// Finds the file to execve: a path as given, or the first executable regular file named
    /// `name` on the child's `PATH` (ours if it has none).
    static func resolve(_ executable: Executable, environment: Environment) throws(ObserverError) -> ByteString {
        switch executable.storage {
        case .path(let path):
            return ByteString(path.string)
        case .name(let name):
            let search =
                environment.value(of: "PATH") ?? getenv("PATH").map { String(cString: $0) }
                ?? "/usr/local/bin:/usr/bin:/bin"
            var sawNonExecutable: String?
            for dir in search.split(separator: ":", omittingEmptySubsequences: false) {
                let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
                var st = stat()
                guard stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                if access(candidate, X_OK) == 0 { return ByteString(candidate) }
                sawNonExecutable = sawNonExecutable ?? candidate
            }
            if let path = sawNonExecutable { throw ObserverError.exec(path, errno: .permissionDenied) }
            throw ObserverError.executableNotFound(name)
        }
    }

    /// Forks the child and leaves it waiting at the start gate.
    static func forkGated(
        path: ByteString, argv: [ByteString], environment: [ByteString], workingDirectory: FilePath?,
        stdio: (Int32, Int32, Int32)
    ) throws(ObserverError) -> obs_gated_child {
        var child = obs_gated_child()
        let rc = try withExecArguments(path, argv, environment, workingDirectory) { pathPtr, argvPtr, envPtr, cwdPtr in
            obs_spawn_gated(pathPtr, argvPtr, envPtr, cwdPtr, stdio.0, stdio.1, stdio.2, &child)
        }
        if rc != 0 {
            let errno = Errno(rawValue: rc)
            throw ObserverError(
                .spawnFailed, "Starting \"\(path)\" failed: fork/pipe returned \(ErrnoName.name(of: rc)) (\(errno)).",
                underlying: errno)
        }
        return child
    }

    /// Starts the child with posix_spawn (no start gate). Returns its pid.
    static func spawnDirect(
        path: ByteString, argv: [ByteString], environment: [ByteString], workingDirectory: FilePath?,
        stdio: (Int32, Int32, Int32)
    ) throws(ObserverError) -> Int32 {
        var pid: pid_t = 0
        let rc = try withExecArguments(path, argv, environment, workingDirectory) { pathPtr, argvPtr, envPtr, cwdPtr in
            obs_spawn_direct(pathPtr, argvPtr, envPtr, cwdPtr, stdio.0, stdio.1, stdio.2, &pid)
        }
        if rc != 0 { throw ObserverError.exec(path.string, errno: Errno(rawValue: rc)) }
        return pid
    }

    /// Checks for NUL bytes, then lends `body` the C strings both spawn paths pass to the shim:
    /// the path, the NULL-terminated argv and envp, and the working directory (or NULL).
    private static func withExecArguments(
        _ path: ByteString, _ argv: [ByteString], _ environment: [ByteString], _ workingDirectory: FilePath?,
        _ body: (
            UnsafeMutablePointer<CChar>?, UnsafePointer<UnsafeMutablePointer<CChar>?>,
            UnsafePointer<UnsafeMutablePointer<CChar>?>, UnsafePointer<CChar>?
        ) -> Int32
    ) throws(ObserverError) -> Int32 {
        try checkNoNUL(path: path, argv: argv)
        return withCStrings(argv) { argvPtr in
            withCStrings(environment) { envPtr in
                withCStrings([path]) { pathPtr in
                    guard let cwd = workingDirectory else { return body(pathPtr[0], argvPtr, envPtr, nil) }
                    return cwd.withPlatformString { body(pathPtr[0], argvPtr, envPtr, $0) }
                }
            }
        }
    }

    private static func checkNoNUL(path: ByteString, argv: [ByteString]) throws(ObserverError) {
        for (index, arg) in argv.enumerated() where arg.bytes.contains(0) {
            throw ObserverError(
                .invalidConfiguration, "Argument \(index) contains a NUL byte, which execve cannot pass.")
        }
        if path.bytes.contains(0) {
            throw ObserverError(.invalidConfiguration, "The executable path contains a NUL byte.")
        }
    }

    /// Opens the gate; returns the errno the child's execve failed with, or nil when it runs.
    static func release(_ child: inout obs_gated_child) -> Errno? {
        let rc = obs_spawn_release(&child)
        return rc == 0 ? nil : Errno(rawValue: rc)
    }

    /// Backed by `pidfd_open(2)`.
    static func pidfd(for pid: Int32) throws(ObserverError) -> FileDescriptor {
        let fd = obs_pidfd_open(pid)
        if fd < 0 {
            throw ObserverError(
                .spawnFailed,
                "pidfd_open(\(pid)) failed: \(ErrnoName.name(of: -fd)); Linux 5.3 or later is needed to watch a process.",
                underlying: Errno(rawValue: -fd))
        }
        return FileDescriptor(rawValue: fd)
    }

    /// A close-on-exec, non-blocking pipe.
    static func pipe() throws(ObserverError) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        let rc = obs_pipe_nonblocking(&fds)
        if rc != 0 {
            throw ObserverError(
                .spawnFailed, "pipe2 failed: \(ErrnoName.name(of: rc)).", underlying: Errno(rawValue: rc))
        }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// A close-on-exec pipe for a child's captured output: our read end is non-blocking, the
    /// child's write end blocks. O_NONBLOCK belongs to the open file description, which the
    /// child's copy shares, so a non-blocking write end would make a child that writes faster
    /// than we read meet EAGAIN (and fail: "write error"). Backed by `pipe2(2)` and `fcntl(2)`.
    static func capturePipe() throws(ObserverError) -> (read: FileDescriptor, write: FileDescriptor) {
        let p = try pipe()
        let flags = fcntl(p.write.rawValue, F_GETFL)
        if flags < 0 || fcntl(p.write.rawValue, F_SETFL, flags & ~O_NONBLOCK) < 0 {
            let code = errno
            try? p.read.close()
            try? p.write.close()
            throw ObserverError(
                .spawnFailed, "fcntl(F_SETFL) on a capture pipe failed: \(ErrnoName.name(of: code)).",
                underlying: Errno(rawValue: code))
        }
        return p
    }

    /// Sends `signal` to the process group `pgid`. Backed by `kill(2)` with a negative pid.
    static func signalGroup(_ pgid: Int32, _ signal: Int32) {
        _ = kill(-pgid, signal)
    }

    /// Backed by `wait4(2)`, retrying on EINTR.
    static func wait4Blocking(_ pid: Int32) -> (status: Int32, usage: rusage) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno == EINTR { continue }
            // ECHILD: someone else reaped it (a SIGCHLD=SIG_IGN elsewhere); nothing to report.
            return (0, rusage())
        }
        return (status, usage)
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
