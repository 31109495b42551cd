import CObserverBPF
import Testing

@testable import ProcessObserver

extension RecordFixture {
    /// A file's close record (`obs_file_close_rec`) with its path string, sent up to its end.
    static func fileClose(
        fd: Int32 = 5, path: Str, magic: UInt32 = 0xEF53, ino: UInt64 = 77, closedBy: obs_closed_by,
        counts: (bytesRead: UInt64, bytesWritten: UInt64, reads: UInt64, writes: UInt64), openTs: UInt64 = 0
    ) -> [UInt8] {
        var r = obs_file_close_rec()
        r.h = header(OBS_REC_FILE_CLOSE)
        r.open_ts = openTs
        r.bytes_read = counts.bytesRead
        r.bytes_written = counts.bytesWritten
        r.reads = counts.reads
        r.writes = counts.writes
        r.ino = ino
        r.magic = magic
        r.fd = fd
        r.mode = 0o100644
        r.closed_by = UInt8(closedBy.rawValue)
        let used = pack(
            [path], into: &r, at: MemoryLayout<obs_file_close_rec>.offset(of: \.path)!,
            data: Int(obs_file_close_rec_size(0)))
        return bytes(of: r, size: Int(obs_file_close_rec_size(UInt64(used))))
    }

    /// A socket's close record (`obs_sock_close_rec`), sent whole.
    static func socketClose(
        family: UInt16, type: UInt16, protocol: UInt16, local: [UInt8], peer: [UInt8], closedBy: obs_closed_by,
        openTs: UInt64
    ) -> [UInt8] {
        var r = obs_sock_close_rec()
        r.h = header(OBS_REC_SOCK_CLOSE)
        r.open_ts = openTs
        r.bytes_sent = 1050
        r.bytes_received = 4
        r.sends = 2
        r.receives = 1
        r.fd = 4
        r.closed_by = UInt8(closedBy.rawValue)
        r.family = family
        r.sock_type = type
        r.protocol = `protocol`
        put(local, into: &r, at: MemoryLayout<obs_sock_close_rec>.offset(of: \.local)!, nul: false)
        put(peer, into: &r, at: MemoryLayout<obs_sock_close_rec>.offset(of: \.peer)!, nul: false)
        r.local_len = UInt16(local.count)
        r.peer_len = UInt16(peer.count)
        return bytes(of: r)
    }
}

/// Byte counting's records (issue 18): a closed file's and socket's counts, what ended them, a
/// pseudo file's name, the exit's I/O totals, and the size rule of each.
@Suite("Record decoder: close records and I/O totals")
struct RecordDecoderCloseTests {
    typealias F = RecordFixture

    static func decode(_ bytes: [UInt8], resolving: Bool = true) throws -> RecordDecoder.Decoded {
        let decoder = RecordDecoder(categories: EventCategory.kernelCategories, resolvesPaths: resolving)
        return try bytes.withUnsafeBytes { try decoder.decode($0) }
    }

    static func fileClose(_ bytes: [UInt8], resolving: Bool = true) throws -> FileClose? {
        let event = try decode(bytes, resolving: resolving).event
        #expect(event?.category == .file)
        if case .close(let close) = event?.kind { return close }
        return nil
    }

    static let walkedPath = F.Str("/srv/data.bin", source: OBS_SOURCE_FILE)
    static let counts: (UInt64, UInt64, UInt64, UInt64) = (4096, 10, 3, 1)

    @Test(
        "a file's close: its walked path, counts, the time since its open, and each way it ended",
        arguments: [
            (OBS_CLOSED_BY_CLOSE, CloseReason.close), (OBS_CLOSED_BY_DUP, .close),
            (OBS_CLOSED_BY_CLOSE_RANGE, .closeRange), (OBS_CLOSED_BY_EXEC, .exec), (OBS_CLOSED_BY_EXIT, .exit),
        ])
    func fileClose(closedBy: obs_closed_by, reason: CloseReason) throws {
        let bytes = F.fileClose(
            path: Self.walkedPath, closedBy: closedBy, counts: Self.counts, openTs: RecordFixture.ts - 1000)
        #expect(
            try Self.fileClose(bytes)
                == FileClose(
                    fd: 5, path: CapturedString("/srv/data.bin"),
                    absolutePath: ResolvedPath("/srv/data.bin", source: .file), bytesRead: 4096, bytesWritten: 10,
                    reads: 3, writes: 1, openNs: 1000, closedBy: reason))
    }

    @Test(
        "a file without a path is named as the kernel names it in /proc; without resolution, by its own name",
        arguments: [
            (UInt32(OBS_PIPEFS_MAGIC), "pipe", "pipe:[77]"), (UInt32(OBS_SOCKFS_MAGIC), "x", "socket:[77]"),
            (UInt32(OBS_ANON_INODE_FS_MAGIC), "[eventfd]", "anon_inode:[eventfd]"),
        ])
    func pseudoFile(magic: UInt32, name: String, expected: String) throws {
        let unwalkable = F.Str(name, flags: UInt8(OBS_PATH_UNWALKABLE.rawValue))
        let bytes = F.fileClose(path: unwalkable, magic: magic, closedBy: OBS_CLOSED_BY_EXIT, counts: Self.counts)
        let close = try #require(try Self.fileClose(bytes))
        #expect(close.path == CapturedString(ByteString(expected)))
        #expect(close.absolutePath == ResolvedPath(ByteString(bytes: []), source: .file, unwalkable: true))
        #expect(close.openNs == nil)
        let plain = F.fileClose(path: F.Str("data.bin"), closedBy: OBS_CLOSED_BY_CLOSE, counts: Self.counts)
        let unresolved = try #require(try Self.fileClose(plain, resolving: false))
        #expect(unresolved.path == CapturedString("data.bin"))
        #expect(unresolved.absolutePath == nil)
    }

    @Test("a socket's close: family, protocol, both addresses, the counts each way")
    func socketClose() throws {
        let bytes = F.socketClose(
            family: 2, type: 1, protocol: 6, local: F.inet([127, 0, 0, 1], port: 40000),
            peer: F.inet([127, 0, 0, 1], port: 8080), closedBy: OBS_CLOSED_BY_EXIT, openTs: RecordFixture.ts - 5)
        let event = try #require(try Self.decode(bytes).event)
        #expect(event.category == .network)
        guard case .socketClose(let close) = event.kind else {
            Issue.record("not a socket close: \(event.kind.name)")
            return
        }
        #expect(
            close
                == SocketClose(
                    fd: 4, family: "inet", protocol: "tcp", peer: .ipv4(address: "127.0.0.1", port: 8080),
                    local: .ipv4(address: "127.0.0.1", port: 40000), bytesSent: 1050, bytesReceived: 4, sends: 2,
                    receives: 1, openNs: 5, closedBy: .exit))
        let pair = F.socketClose(
            family: 1, type: 1, protocol: 0, local: [], peer: [], closedBy: OBS_CLOSED_BY_CLOSE, openTs: 0)
        guard case .socketClose(let unix) = try Self.decode(pair).event?.kind else {
            Issue.record("not a socket close")
            return
        }
        #expect(unix.family == "unix")
        #expect(unix.protocol == "unix")
        #expect(unix.peer == nil && unix.local == nil && unix.openNs == nil)
    }

    @Test(
        "protocol names from the socket's family, type and protocol",
        arguments: [
            (2, 2, 17, "udp"), (10, 1, 6, "tcp"), (2, 3, 1, "icmp"), (2, 3, 255, "raw"), (1, 2, 0, "unix"),
            (2, 1, 132, "sctp"), (16, 3, 9, "raw"), (2, 5, 99, "proto_99"),
        ] as [(UInt16, UInt16, UInt16, String)])
    func protocols(family: UInt16, type: UInt16, protocol: UInt16, expected: String) {
        #expect(RecordDecoder.protocolName(family: family, type: type, protocol: `protocol`) == expected)
    }

    @Test("an exit carries the group's I/O totals when the kernel had them, and whether it used io_uring")
    func exitTotals() throws {
        var r = obs_exit_rec()
        r.h = F.header(OBS_REC_EXIT)
        r.flags = UInt32(OBS_EXIT_IO_CHARS | OBS_EXIT_IO_BYTES | OBS_EXIT_IO_URING)
        (r.rchar, r.wchar, r.syscr, r.syscw) = (100, 200, 3, 4)
        (r.read_bytes, r.write_bytes, r.cancelled_write_bytes) = (4096, 8192, 512)
        let decoded = try Self.decode(F.bytes(of: r))
        #expect(
            decoded.exit?.end.io
                == ProcessIO(
                    readChars: 100, writtenChars: 200, readCalls: 3, writeCalls: 4, readBytes: 4096,
                    writeBytes: 8192, cancelledWriteBytes: 512, usesIOUring: true))
        #expect(try Self.decode(F.exit(status: 0)).exit?.end.io == nil)
    }

    @Test("close records that break the size rule are refused with the reason")
    func malformed() throws {
        let file = F.fileClose(path: Self.walkedPath, closedBy: OBS_CLOSED_BY_CLOSE, counts: Self.counts)
        let failure = #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(Array(file.dropLast())) }
        #expect(failure?.reason == "a file close record that should be 134 bytes by the size rule (133 bytes)")
        let sock = F.socketClose(
            family: 2, type: 1, protocol: 6, local: [], peer: [], closedBy: OBS_CLOSED_BY_CLOSE, openTs: 0)
        let long = F.patch(sock, at: MemoryLayout<obs_sock_close_rec>.offset(of: \.peer_len)!, UInt16(129))
        let tooLong = #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(long) }
        #expect(tooLong?.reason == "a socket close record whose peer_len of 129 exceeds its 128-byte field (376 bytes)")
        let unknown = F.patch(sock, at: MemoryLayout<obs_sock_close_rec>.offset(of: \.closed_by)!, UInt8(9))
        let reason = #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(unknown) }
        #expect(reason?.reason == "a socket close record of unknown closed_by (376 bytes)")
    }
}
