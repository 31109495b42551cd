#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reads `/proc`: whole small files with `open(2)`/`read(2)`, directory listings with
/// `opendir(3)`/`readdir(3)`, and the constants the sampler needs from `sysconf(3)`.
///
/// Failures are data here, not errors: a process can exit between listing and reading, so a file
/// that cannot be read (ENOENT, ESRCH, EACCES) is returned as nil and the caller treats the
/// process as gone or the counter as unavailable.
enum ProcFS {
    /// Clock ticks per second, the unit of `stat`'s times (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    static let clockTicksPerSecond: UInt64 = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))

    /// Bytes per page, the unit of `stat`'s `rss` and of `statm` (`sysconf(_SC_PAGESIZE)`).
    static let pageSize: UInt64 = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))

    /// `CLOCK_BOOTTIME` in nanoseconds: the clock of `stat`'s `starttime`, which, unlike
    /// `CLOCK_MONOTONIC`, keeps counting during suspend.
    static func bootClockNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// The whole content of a small file, or nil when it cannot be opened or read.
    ///
    /// `/proc` files are generated on `read`, so one read into a large enough buffer returns a
    /// consistent snapshot; the loop only matters for files larger than the first buffer.
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var count = 0
        while true {
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            count += n
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// The names in a directory that are decimal numbers (pids in `/proc`, tids in `task/`).
    static func numericEntries(_ path: String) -> [Int32] {
        guard let dir = path.withCString({ opendir($0) }) else { return [] }
        defer { closedir(dir) }
        var out: [Int32] = []
        while let entry = readdir(dir) {
            let value = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32? in
                var v: Int32 = 0
                var any = false
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= 0x30, byte <= 0x39, v < Int32.max / 10 - 1 else { return nil }
                    v = v * 10 + Int32(byte - 0x30)
                    any = true
                }
                return any ? v : nil
            }
            if let value { out.append(value) }
        }
        return out
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
}
