import CObserverBPF

/// The close records of byte counting (`obs_file_close_rec`, `obs_sock_close_rec`) and the exit
/// record's I/O totals: one event per descriptor that did I/O, as `bpf/obs_io.bpf.h` sums them.
extension RecordDecoder {
    enum FileCloseField {
        static let path = MemoryLayout<obs_file_close_rec>.offset(of: \.path)!
        /// `obs_str.source` within `path`.
        static let source = MemoryLayout<obs_str>.offset(of: \.source)!
        /// Where data starts: the base size of the size rule.
        static let data = Int(obs_file_close_rec_size(0))
    }

    enum SockCloseField {
        static let local = MemoryLayout<obs_sock_close_rec>.offset(of: \.local)!
        static let peer = MemoryLayout<obs_sock_close_rec>.offset(of: \.peer)!
    }

    /// What ended the descriptor. `dup2`/`dup3` onto it is a close, as the kernel does it
    /// (`do_dup2` closes what the descriptor held).
    static func closeReason(_ raw: UInt8) -> CloseReason? {
        switch UInt32(raw) {
        case OBS_CLOSED_BY_CLOSE.rawValue, OBS_CLOSED_BY_DUP.rawValue: .close
        case OBS_CLOSED_BY_CLOSE_RANGE.rawValue: .closeRange
        case OBS_CLOSED_BY_EXEC.rawValue: .exec
        case OBS_CLOSED_BY_EXIT.rawValue: .exit
        default: nil
        }
    }

    /// Nanoseconds the descriptor was open, when its start was observed (`open_ts` nonzero).
    static func openNs(since start: UInt64, closedAt end: UInt64) -> UInt64? {
        start == 0 ? nil : (end >= start ? end - start : 0)
    }

    func decodeFileClose(_ p: UnsafeRawPointer) -> EventKind? {
        let r = p.loadUnaligned(as: obs_file_close_rec.self)
        guard let closedBy = Self.closeReason(r.closed_by) else { return nil }
        var s = Packed.strings(p, at: FileCloseField.path, count: 1, data: FileCloseField.data)[0]
        var path: CapturedString
        var absolute: ResolvedPath?
        if s.source == UInt8(OBS_SOURCE_OPENED.rawValue) {
            // The path its open carried: `OpenPathTable` fills it in from that open.
            path = CapturedString(ByteString(bytes: []))
        } else if s.source == UInt8(OBS_SOURCE_FILE.rawValue), let walked = s.walked(p, as: .file),
            !walked.unwalkable
        {
            path = CapturedString(walked.value, truncated: walked.truncated)
            absolute = walked
        } else {
            // No path: the dentry's own name (whole: at most NAME_MAX bytes; the walk's flags say
            // why there was no path), worded as the kernel's d_dname does in /proc.
            s.flags = 0
            let name = s.captured(p)
            path = CapturedString(Self.pseudoName(magic: r.magic, inode: r.ino, name: name.value))
            path.unreadable = path.value.bytes.isEmpty
            if resolvesPaths {
                absolute = ResolvedPath(ByteString(bytes: []), source: .file, unwalkable: true)
            }
        }
        return .close(
            FileClose(
                fd: r.fd, path: path, absolutePath: absolute, bytesRead: r.bytes_read,
                bytesWritten: r.bytes_written, reads: r.reads, writes: r.writes,
                openNs: Self.openNs(since: r.open_ts, closedAt: r.h.ts_ns), closedBy: closedBy))
    }

    /// The name the kernel gives a file without a path: `pipe:[ino]`, `socket:[ino]`,
    /// `anon_inode:[eventfd]`; another file's own name (resolution off, a disconnected dentry).
    static func pseudoName(magic: UInt32, inode: UInt64, name: ByteString) -> ByteString {
        switch magic {
        case UInt32(OBS_PIPEFS_MAGIC): ByteString("pipe:[\(inode)]")
        case UInt32(OBS_SOCKFS_MAGIC): ByteString("socket:[\(inode)]")
        case UInt32(OBS_ANON_INODE_FS_MAGIC): ByteString(Array("anon_inode:".utf8) + name.bytes)
        default: name
        }
    }

    func decodeSocketClose(_ p: UnsafeRawPointer) -> EventKind? {
        let r = p.loadUnaligned(as: obs_sock_close_rec.self)
        guard let closedBy = Self.closeReason(r.closed_by) else { return nil }
        func address(_ offset: Int, _ length: UInt16) -> SocketAddress? {
            length == 0
                ? nil
                : Self.socketAddress(p + offset, length: Int(min(length, UInt16(OBS_SOCKADDR_MAX))), flags: 0)
        }
        return .socketClose(
            SocketClose(
                fd: r.fd, family: Self.familyName(r.family),
                protocol: Self.protocolName(family: r.family, type: r.sock_type, protocol: r.protocol),
                peer: address(SockCloseField.peer, r.peer_len), local: address(SockCloseField.local, r.local_len),
                bytesSent: r.bytes_sent, bytesReceived: r.bytes_received, sends: r.sends, receives: r.receives,
                openNs: Self.openNs(since: r.open_ts, closedAt: r.h.ts_ns), closedBy: closedBy))
    }

    /// A family as `SocketAddress.familyName` names it.
    static func familyName(_ family: UInt16) -> String {
        switch Int32(family) {
        case AddressFamily.inet: "inet"
        case AddressFamily.inet6: "inet6"
        case AddressFamily.unix: "unix"
        default: "af_\(family)"
        }
    }

    /// `tcp`, `udp`, `icmp`, `raw`, `unix`, or `proto_<n>`.
    static func protocolName(family: UInt16, type: UInt16, protocol: UInt16) -> String {
        if Int32(family) == AddressFamily.unix { return "unix" }
        switch `protocol` {
        case 6: return "tcp"
        case 17: return "udp"
        case 1, 58: return "icmp"
        case 132: return "sctp"
        default: return type == 3 ? "raw" : "proto_\(`protocol`)"
        }
    }

    /// The exit record's I/O totals, when the kernel had its accounting.
    static func processIO(_ r: obs_exit_rec) -> ProcessIO? {
        let chars = r.flags & UInt32(OBS_EXIT_IO_CHARS) != 0
        let bytes = r.flags & UInt32(OBS_EXIT_IO_BYTES) != 0
        guard chars || bytes else { return nil }
        return ProcessIO(
            readChars: r.rchar, writtenChars: r.wchar, readCalls: r.syscr, writeCalls: r.syscw,
            readBytes: r.read_bytes, writeBytes: r.write_bytes, cancelledWriteBytes: r.cancelled_write_bytes,
            usesIOUring: r.flags & UInt32(OBS_EXIT_IO_URING) != 0)
    }
}
