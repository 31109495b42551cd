import CSpawn
import Glibc
import SystemPackage

extension Syscall {
    /// Whether this process may access `path` in `mode` (`F_OK`, `R_OK`, `X_OK`, …).
    /// Backed by `access(2)`.
    static func access(_ path: String, _ mode: Int32) -> Bool { Glibc.access(path, mode) == 0 }

    /// Whether `path` exists (`access(2)` with `F_OK`).
    static func exists(_ path: String) -> Bool { Syscall.access(path, F_OK) }

    /// Whether `path` is readable (`access(2)` with `R_OK`).
    static func isReadable(_ path: String) -> Bool { Syscall.access(path, R_OK) }

    /// Whether `path` may be executed (`access(2)` with `X_OK`).
    static func isExecutable(_ path: String) -> Bool { Syscall.access(path, X_OK) }

    /// The inode number of `path` (a cgroup v2 directory's is its cgroup id). Backed by `stat(2)`.
    static func inode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    /// Whether `path` is a regular file, after symlinks. Backed by `stat(2)`.
    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The target of the symlink `path`, byte for byte. Backed by `readlink(2)`.
    static func readLink(_ path: String) throws(Errno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = try valueOrErrno {
            buffer.withUnsafeMutableBytes { Glibc.readlink(path, $0.baseAddress!, $0.count) }
        }
        return Array(buffer[0..<n])
    }

    /// The names in the directory `path` (without `.` and `..`), byte for byte.
    /// Backed by `opendir(3)`, `readdir(3)` and `closedir(3)`.
    ///
    /// This process's soft limit of open descriptors (`getrlimit(RLIMIT_NOFILE)`); nil when
    /// unlimited or unreadable.
    static func descriptorLimit() -> UInt64? {
        var limit = rlimit()
        guard Glibc.getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return nil
        }
        return UInt64(limit.rlim_cur)
    }

    /// `directoriesOnly` keeps the entries whose `d_type` is a directory (cgroupfs, procfs and
    /// sysfs fill it in), so a cgroup's child cgroups are found without a call per interface file.
    static func directoryNames(_ path: String, directoriesOnly: Bool = false) throws(Errno) -> [[UInt8]] {
        guard let dir = Glibc.opendir(path) else { throw lastErrno }
        defer { Glibc.closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = Glibc.readdir(dir) {
            if directoriesOnly && entry.pointee.d_type != UInt8(DT_DIR) { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    /// Waits until one of `fds` is ready or `timeoutMs` passes (-1: no limit); returns how many
    /// are ready. Backed by `poll(2)`; an interrupted wait returns 0 (callers loop anyway).
    static func poll(_ fds: inout [pollfd], timeoutMs: Int32) throws(Errno) -> Int {
        do {
            return Int(try valueOrErrno(retryOnInterrupt: false) { Glibc.poll(&fds, nfds_t(fds.count), timeoutMs) })
        } catch {
            if error == .interrupted { return 0 }
            throw error
        }
    }

    /// Waits until `fd` is readable (or hung up), or `timeoutMs` passes. Backed by `poll(2)`.
    static func waitReadable(_ fd: FileDescriptor, timeoutMs: Int32 = -1) -> Bool {
        ((try? waitReadable([fd], timeoutMs: timeoutMs)) ?? []).contains(fd)
    }

    /// Waits until one of `fds` is readable (or hung up), or `timeoutMs` passes; returns the
    /// ready ones (none after a timeout or an interruption). Backed by `poll(2)`.
    static func waitReadable(_ fds: [FileDescriptor], timeoutMs: Int32 = -1) throws(Errno) -> [FileDescriptor] {
        var set = fds.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
        guard try Syscall.poll(&set, timeoutMs: timeoutMs) > 0 else { return [] }
        return set.filter { $0.revents != 0 }.map { FileDescriptor(rawValue: $0.fd) }
    }

    /// A close-on-exec, non-blocking pipe. Backed by `pipe2(2)` (through the C shim).
    static func pipe() throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        let rc = obs_pipe_nonblocking(&fds)
        if rc != 0 { throw Errno(rawValue: rc) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// Makes `fd`'s open file description blocking or not (`O_NONBLOCK`). Backed by `fcntl(2)`.
    static func setBlocking(_ fd: FileDescriptor, _ blocking: Bool) throws(Errno) {
        let flags = try valueOrErrno { Glibc.fcntl(fd.rawValue, F_GETFL) }
        _ = try valueOrErrno { Glibc.fcntl(fd.rawValue, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK) }
    }

    /// Writes one byte to a non-blocking wake-up pipe; a full pipe already wakes its reader, so
    /// EAGAIN is fine. Backed by `write(2)`.
    static func poke(_ fd: FileDescriptor) {
        _ = try? fd.writeAll([UInt8(1)])
    }

    /// Reads and discards what a non-blocking wake-up pipe holds. Backed by `read(2)`.
    static func drainWakeups(_ fd: FileDescriptor) {
        var sink = [UInt8](repeating: 0, count: 64)
        while let n = try? sink.withUnsafeMutableBytes({ try fd.read(into: $0) }), n == sink.count {}
    }
}

extension Syscall {
    /// Creates the directory `path` with `mode`. Backed by `mkdir(2)`.
    static func makeDirectory(_ path: String, mode: UInt32 = 0o755) throws(Errno) {
        _ = try valueOrErrno { Glibc.mkdir(path, mode_t(mode)) }
    }

    /// Mounts the filesystem `type` from `source` at the existing directory `target`, with no
    /// flags and no data (`mount -t tracefs nodev /sys/kernel/tracing`). Backed by `mount(2)`.
    static func mount(_ source: String, at target: String, type: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.mount(source, target, type, 0, nil) }
    }

    /// Removes the empty directory `path` (a cgroup directory is empty once it holds no process
    /// and no child cgroup). Backed by `rmdir(2)`.
    static func removeDirectory(_ path: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.rmdir(path) }
    }

    /// Writes `text` to the existing file `path` in one `write(2)` (cgroup interface files take
    /// one value per write), through swift-system's `FileDescriptor`.
    static func writeFile(_ path: String, _ text: String) throws(Errno) {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.closeOnExec])
            defer { try? fd.close() }
            _ = try fd.writeAll(Array(text.utf8))
        } catch {
            throw error as? Errno ?? .ioError
        }
    }
}

extension Syscall {
    /// Whether `path` is a directory, after symlinks. Backed by `stat(2)`.
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of the file `path` in bytes; nil when it cannot be read. Backed by `stat(2)`.
    static func fileSize(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_size) : nil
    }

    /// Removes the file `path`. Backed by `unlink(2)`.
    static func removeFile(_ path: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.unlink(path) }
    }

    /// Renames `from` to `to`, replacing `to` atomically. Backed by `rename(2)`.
    static func rename(_ from: String, to: String) throws(Errno) {
        _ = try valueOrErrno { Glibc.rename(from, to) }
    }
}

extension Syscall {
    /// `mmap(2)` of `length` bytes of `fd`, shared, readable and writable (an mmapable BPF array
    /// map's values, `BPF_F_MMAPABLE`).
    static func mapShared(_ fd: Int32, length: Int) throws(Errno) -> UnsafeMutableRawPointer {
        let p = Glibc.mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { throw Syscall.lastErrno }
        return p
    }

    /// `munmap(2)` of a mapping `mapShared` made.
    static func unmap(_ p: UnsafeMutableRawPointer, length: Int) {
        _ = Glibc.munmap(p, length)
    }
}
