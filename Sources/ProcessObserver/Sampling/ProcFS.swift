import SystemPackage

/// Reads `/proc`: the one reader of small kernel files and directory listings, on the platform
/// seam (`FileDescriptor`, `Syscall`). The kernel probe reads its few `/sys` files here too.
///
/// Failures are data here, not errors: a process can exit between listing and reading, so a file
/// that cannot be read (ENOENT, ESRCH, EACCES) is returned as nil and the caller treats the
/// process as gone or the counter as unavailable.
enum ProcFS {
    /// Clock ticks per second, the unit of `stat`'s times (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    static let clockTicksPerSecond: UInt64 = UInt64(max(1, Syscall.clockTicksPerSecond))

    /// Bytes per page, the unit of `stat`'s `rss` and of `statm` (`sysconf(_SC_PAGESIZE)`).
    static let pageSize: UInt64 = UInt64(max(1, Syscall.pageSize))

    /// The whole content of a small file, or nil when it cannot be opened or read.
    ///
    /// `/proc` files are generated on `read`, so one read into a large enough buffer returns a
    /// consistent snapshot; the loop only matters for files larger than the first buffer.
    static func readFile(_ path: String) -> [UInt8]? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else {
            return nil
        }
        defer { try? fd.close() }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var count = 0
        while true {
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let read = bytes.withUnsafeMutableBytes { buffer in
                try? fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
            }
            guard let n = read else { return nil }
            if n == 0 { break }
            count += n
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// A small file as text (bytes that are not UTF-8 become U+FFFD), nil when unreadable.
    static func readText(_ path: String) -> String? {
        readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The names in a directory that are decimal numbers (pids in `/proc`, tids in `task/`).
    static func numericEntries(_ path: String) -> [Int32] {
        guard let names = try? Syscall.directoryNames(path) else { return [] }
        return names.compactMap { name -> Int32? in
            var value: Int32 = 0
            for byte in name {
                guard byte >= 0x30, byte <= 0x39, value < Int32.max / 10 - 1 else { return nil }
                value = value * 10 + Int32(byte - 0x30)
            }
            return name.isEmpty ? nil : value
        }
    }

    static func stat(_ pid: Int32) -> ProcStat? { readFile("/proc/\(pid)/stat").flatMap(ProcStat.init(parsing:)) }
    static func status(_ pid: Int32) -> ProcStatus? {
        readFile("/proc/\(pid)/status").flatMap(ProcStatus.init(parsing:))
    }
    static func statm(_ pid: Int32) -> ProcStatm? { readFile("/proc/\(pid)/statm").flatMap(ProcStatm.init(parsing:)) }
    static func io(_ pid: Int32) -> ProcIO? { readFile("/proc/\(pid)/io").flatMap(ProcIO.init(parsing:)) }

    /// The children one thread created, from `/proc/<pid>/task/<tid>/children` (space-separated
    /// pids; needs `CONFIG_PROC_CHILDREN`). Nil when the file cannot be read.
    static func children(ofProcess pid: Int32, thread tid: Int32) -> [Int32]? {
        guard let bytes = readFile("/proc/\(pid)/task/\(tid)/children") else { return nil }
        return ProcText.fields(bytes[...]).compactMap { ProcText.signed($0).flatMap(Int32.init(exactly:)) }
    }

    /// The arguments from `/proc/<pid>/cmdline`, byte for byte; empty when unreadable.
    static func commandLine(_ pid: Int32) -> [ByteString] {
        guard let bytes = readFile("/proc/\(pid)/cmdline") else { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { ByteString($0) }
    }

    /// The executable's path from the `/proc/<pid>/exe` link; empty when unreadable.
    static func executable(_ pid: Int32) -> ByteString {
        ByteString(bytes: (try? Syscall.readLink("/proc/\(pid)/exe")) ?? [])
    }

    /// The task name from `/proc/<pid>/comm`, without its newline; nil when unreadable.
    static func comm(_ pid: Int32) -> ByteString? {
        guard var bytes = readFile("/proc/\(pid)/comm") else { return nil }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return ByteString(bytes: bytes)
    }
}
