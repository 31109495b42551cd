import CObserverBPF

/// Ring-buffer records of the hot kinds, built the way the BPF programs send them (a whole C
/// struct from `obs_records.h`, then only the prefix the size rule says is sent), for timing the
/// decoder alone (`obsbench userspace`). The tests' `RecordFixture` does the same for the tests.
enum RecordSamples {
    static let tgid: UInt32 = 424_242
    static let cgroupID: UInt64 = 9_999

    static func header(_ type: obs_record_type, comm: String) -> obs_header {
        var h = obs_header()
        h.ts_ns = 123_456_789_000
        h.type = type.rawValue
        h.tgid = tgid
        h.tid = tgid
        h.ptgid = 4_000
        h.cgroup_id = cgroupID
        withUnsafeMutableBytes(of: &h.comm) { $0.copyBytes(from: Array(comm.utf8)) }
        return h
    }

    /// The first `size` bytes of `value`.
    static func bytes<T>(of value: T, size: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0.prefix(Int(size))) }
    }

    /// Packs `strings` (each with its NUL; nil for absent) from `data` on and writes their
    /// `obs_str`s at `at` (flags 0, the given sources); returns the bytes used.
    static func pack<T>(_ strings: [(String?, obs_path_source)], into value: inout T, at: Int, data: Int) -> Int {
        var offset = data
        for (i, (text, source)) in strings.enumerated() {
            let bytes: [UInt8] = text.map { Array($0.utf8) + [0] } ?? []
            withUnsafeMutableBytes(of: &value) { raw in
                raw.storeBytes(
                    of: obs_str(len: UInt16(bytes.count), flags: 0, source: UInt8(source.rawValue)),
                    toByteOffset: at + i * MemoryLayout<obs_str>.size, as: obs_str.self)
                for (j, b) in bytes.enumerated() { raw[offset + j] = b }
            }
            offset += bytes.count
        }
        return offset - data
    }

    /// A successful `openat(AT_FDCWD, "/tmp/obsbench-…/flood-target", O_RDONLY|O_CLOEXEC)`,
    /// the file's own path walked by the kernel (what the open flood makes).
    static func open() -> [UInt8] {
        var r = obs_file_rec()
        r.h = header(OBS_REC_FILE, comm: "openflood")
        r.ret = 3
        r.op = UInt8(OBS_FILE_OPEN.rawValue)
        r.syscall = UInt8(OBS_SC_OPENAT.rawValue)
        r.dfd = -100
        r.dfd2 = -100
        r.flags = 0o2000000
        r.fd = -1
        let path = "/tmp/obsbench-Ab12Cd/flood-target"
        let used = pack(
            [(path, OBS_SOURCE_NONE), (nil, OBS_SOURCE_NONE), (path, OBS_SOURCE_FILE), (nil, OBS_SOURCE_NONE)],
            into: &r, at: MemoryLayout<obs_file_rec>.offset(of: \.str)!, data: Int(obs_file_rec_size(0)))
        return bytes(of: r, size: obs_file_rec_size(UInt64(used)))
    }

    /// A successful `execve("/bin/true", ["/bin/true"])`, the binary and the cwd walked.
    static func exec() -> [UInt8] {
        var r = obs_exec_rec()
        r.h = header(OBS_REC_EXEC, comm: "true")
        r.ret = 0
        r.dfd = -100
        r.syscall = UInt8(OBS_SC_EXECVE.rawValue)
        let data = Int(obs_exec_rec_size(0))
        let argv = Array("/bin/true".utf8) + [0]
        withUnsafeMutableBytes(of: &r) { raw in for (i, b) in argv.enumerated() { raw[data + i] = b } }
        r.argv_len = UInt16(argv.count)
        let used = pack(
            [
                ("/bin/true", OBS_SOURCE_NONE), ("/usr/bin/true", OBS_SOURCE_FILE),
                ("/tmp/obsbench-Ab12Cd", OBS_SOURCE_NONE),
            ],
            into: &r, at: MemoryLayout<obs_exec_rec>.offset(of: \.str)!, data: data + argv.count)
        return bytes(of: r, size: obs_exec_rec_size(UInt64(argv.count + used)))
    }

    static func fork() -> [UInt8] {
        var r = obs_fork_rec()
        r.h = header(OBS_REC_FORK, comm: "spawnstorm")
        r.parent_tgid = 4_000
        r.parent_tid = 4_000
        return bytes(of: r, size: obs_fork_rec_size())
    }

    /// A normal exit with code 0 and both RSS figures.
    static func exit() -> [UInt8] {
        var r = obs_exit_rec()
        r.h = header(OBS_REC_EXIT, comm: "true")
        r.status = 0
        r.flags = UInt32(OBS_EXIT_MAXRSS) | UInt32(OBS_EXIT_IMAGE_RSS)
        r.maxrss_pages = 352
        r.image_rss_pages = 240
        return bytes(of: r, size: obs_exit_rec_size())
    }

    /// A successful `connect` to 127.0.0.1:8080.
    static func connect() -> [UInt8] {
        var r = obs_sock_rec()
        r.h = header(OBS_REC_SOCK, comm: "loopback")
        r.ret = 0
        r.op = UInt8(OBS_SOCK_CONNECT.rawValue)
        r.syscall = UInt8(OBS_SC_CONNECT.rawValue)
        r.fd = 5
        let addr: [UInt8] = [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
        withUnsafeMutableBytes(of: &r) { raw in
            let at = MemoryLayout<obs_sock_rec>.offset(of: \.addr)!
            for (i, b) in addr.enumerated() { raw[at + i] = b }
        }
        r.addr_len = UInt32(addr.count)
        return bytes(of: r, size: obs_sock_rec_size(0))
    }
}
