import CObserverBPF

@testable import ProcessObserver

/// Builds ring-buffer records the way the BPF programs do: a whole C struct from
/// `obs_records.h`, then only the prefix the size rule says is sent.
enum RecordFixture {
    static let tgid: UInt32 = 4242
    static let tid: UInt32 = 4243
    static let ptgid: UInt32 = 4000
    static let ts: UInt64 = 123_456_789

    static func header(_ type: obs_record_type, lostBefore: UInt32 = 0) -> obs_header {
        var h = obs_header()
        h.ts_ns = ts
        h.type = type.rawValue
        h.tgid = tgid
        h.tid = tid
        h.ptgid = ptgid
        h.lost_before = lostBefore
        withUnsafeMutableBytes(of: &h.comm) { $0.copyBytes(from: Array("worker".utf8)) }
        return h
    }

    /// The first `size` bytes of `value` (all of it by default).
    static func bytes<T>(of value: T, size: Int? = nil) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0.prefix(size ?? MemoryLayout<T>.size)) }
    }

    /// Writes `text` (and a NUL unless `nul` is false) at `offset` of `value`; returns the length
    /// the kernel would report (the NUL included).
    @discardableResult
    static func put<T>(_ text: [UInt8], into value: inout T, at offset: Int, nul: Bool = true) -> UInt16 {
        withUnsafeMutableBytes(of: &value) { raw in
            for (i, b) in text.enumerated() { raw[offset + i] = b }
            if nul { raw[offset + text.count] = 0 }
        }
        return UInt16(text.count + (nul ? 1 : 0))
    }

    static func fork(parentTid: UInt32 = 4001) -> [UInt8] {
        var r = obs_fork_rec()
        r.h = header(OBS_REC_FORK)
        r.parent_tgid = ptgid
        r.parent_tid = parentTid
        return bytes(of: r, size: Int(obs_fork_rec_size()))
    }

    /// A summary record of `entries` (number, calls, errors, total ns), `last` or not.
    static func summary(
        _ entries: [(nr: UInt32, calls: UInt64, errors: UInt64, totalNs: UInt64)], last: Bool, dropped: UInt64 = 0
    )
        -> [UInt8]
    {
        var h = header(OBS_REC_SC)
        var out = bytes(of: h)
        h = obs_header()
        out += bytes(of: dropped) + bytes(of: UInt32(entries.count)) + bytes(of: UInt32(last ? 1 : 0))
        for e in entries {
            var entry = obs_sc_entry()
            entry.nr = e.nr
            entry.stat.calls = e.calls
            entry.stat.errors = e.errors
            entry.stat.total_ns = e.totalNs
            entry.stat.min_ns = e.calls > 0 ? 1 : 0
            entry.stat.max_ns = e.totalNs
            out += bytes(of: entry)
        }
        return out
    }

    static func exit(status: Int32, flags: UInt32 = 0, maxRSSPages: UInt64 = 0, imageRSSPages: UInt64 = 0) -> [UInt8] {
        var r = obs_exit_rec()
        r.h = header(OBS_REC_EXIT)
        r.status = status
        r.flags = flags
        r.maxrss_pages = maxRSSPages
        r.image_rss_pages = imageRSSPages
        return bytes(of: r, size: Int(obs_exit_rec_size()))
    }

    /// One string of a record's data area: its bytes (the NUL added unless empty) and obs_str.
    struct Str {
        var bytes: [UInt8]
        var flags: UInt8 = 0
        var source: obs_path_source = OBS_SOURCE_NONE

        init(_ text: String?, flags: UInt8 = 0, source: obs_path_source = OBS_SOURCE_NONE) {
            self.bytes = text.map { Array($0.utf8) + [0] } ?? []
            self.flags = flags
            self.source = source
        }

        static let none = Str(nil)
    }

    /// Writes `strings` packed from `data` on, their obs_str array at `at`; returns the bytes used.
    static func pack<T>(_ strings: [Str], into value: inout T, at: Int, data: Int) -> Int {
        var offset = data
        for (i, s) in strings.enumerated() {
            let str = obs_str(len: UInt16(s.bytes.count), flags: s.flags, source: UInt8(s.source.rawValue))
            withUnsafeMutableBytes(of: &value) { raw in
                raw.storeBytes(of: str, toByteOffset: at + i * MemoryLayout<obs_str>.size, as: obs_str.self)
                for (j, b) in s.bytes.enumerated() { raw[offset + j] = b }
            }
            offset += s.bytes.count
        }
        return offset - data
    }

    static func exec(
        path: String, argv: [String], ret: Int64 = 0, argvFlags: UInt8 = 0, resolved: Str = .none, cwd: Str = .none
    ) -> [UInt8] {
        var r = obs_exec_rec()
        r.h = header(OBS_REC_EXEC)
        r.ret = ret
        r.dfd = -100
        r.syscall = UInt8(OBS_SC_EXECVE.rawValue)
        let data = Int(obs_exec_rec_size(0))
        let blob: [UInt8] = argv.flatMap { (arg: String) -> [UInt8] in Array(arg.utf8) + [0] }
        put(blob, into: &r, at: data, nul: false)
        r.argv_len = UInt16(blob.count)
        r.argv_flags = argvFlags
        let used = pack(
            [Str(path), resolved, cwd], into: &r, at: MemoryLayout<obs_exec_rec>.offset(of: \.str)!,
            data: data + blob.count)
        return bytes(of: r, size: Int(obs_exec_rec_size(UInt64(blob.count + used))))
    }

    static func file(
        _ op: obs_file_op, syscall: obs_syscall, path: String, newPath: String? = nil, ret: Int64 = 0,
        dfd: Int32 = -100, dfd2: Int32 = -100, flags: Int32 = 0, mode: UInt32 = 0, pathFlags: UInt8 = 0,
        resolved: Str = .none, resolved2: Str = .none, durationNs: UInt64 = 0
    ) -> [UInt8] {
        var r = obs_file_rec()
        r.h = header(OBS_REC_FILE)
        r.ret = ret
        r.duration_ns = durationNs
        r.op = UInt8(op.rawValue)
        r.syscall = UInt8(syscall.rawValue)
        r.dfd = dfd
        r.dfd2 = dfd2
        r.flags = flags
        r.mode = mode
        r.fd = -1
        let first =
            pathFlags & UInt8(OBS_CAPTURE_UNREADABLE.rawValue) == 0
            ? Str(path, flags: pathFlags) : Str(nil, flags: pathFlags)
        let used = pack(
            [first, Str(newPath), resolved, resolved2], into: &r, at: MemoryLayout<obs_file_rec>.offset(of: \.str)!,
            data: Int(obs_file_rec_size(0)))
        return bytes(of: r, size: Int(obs_file_rec_size(UInt64(used))))
    }

    static func socket(
        _ op: obs_sock_op, syscall: obs_syscall, fd: Int32 = 3, addr: [UInt8] = [], addrFlags: UInt8 = 0,
        backlog: Int32 = 0, ret: Int64 = 0, cwd: Str = .none, durationNs: UInt64 = 0
    ) -> [UInt8] {
        var r = obs_sock_rec()
        r.h = header(OBS_REC_SOCK)
        r.ret = ret
        r.duration_ns = durationNs
        r.op = UInt8(op.rawValue)
        r.syscall = UInt8(syscall.rawValue)
        r.fd = fd
        r.backlog = backlog
        r.addr_flags = addrFlags
        put(addr, into: &r, at: MemoryLayout<obs_sock_rec>.offset(of: \.addr)!, nul: false)
        r.addr_len = UInt32(addr.count)
        let used = pack(
            [cwd], into: &r, at: MemoryLayout<obs_sock_rec>.offset(of: \.cwd)!, data: Int(obs_sock_rec_size(0)))
        return bytes(of: r, size: Int(obs_sock_rec_size(UInt64(used))))
    }

    /// `record` with the little-endian `value` written over the bytes at `offset`.
    static func patch<T: FixedWidthInteger>(_ record: [UInt8], at offset: Int, _ value: T) -> [UInt8] {
        var out = record
        withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { out[offset + i] = b } }
        return out
    }

    /// sockaddr_in for `a.b.c.d:port`.
    static func inet(_ a: [UInt8], port: UInt16) -> [UInt8] {
        [2, 0, UInt8(port >> 8), UInt8(port & 0xff)] + a + [UInt8](repeating: 0, count: 8)
    }

    /// sockaddr_in6 for `::1` at `port`.
    static func inet6Loopback(port: UInt16) -> [UInt8] {
        [10, 0, UInt8(port >> 8), UInt8(port & 0xff), 0, 0, 0, 0] + [UInt8](repeating: 0, count: 15) + [1]
            + [0, 0, 0, 0]
    }

    /// sockaddr_un with `path` (a leading NUL makes it abstract), sized as the caller passed it.
    static func unix(_ path: [UInt8]) -> [UInt8] { [1, 0] + path }
}
