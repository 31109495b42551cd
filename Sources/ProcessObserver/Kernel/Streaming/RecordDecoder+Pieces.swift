import CObserverBPF

/// The byte-level pieces every kind of record is made of: C strings, captured strings, sockaddrs
/// and execveat's kernel-made names.
extension RecordDecoder {
    /// The path an execveat was passed, from the kernel's name for it: `/dev/fd/N/path` for a
    /// relative path and `/dev/fd/N` for an empty one (`alloc_bprm()` in fs/exec.c).
    static func passedPath(fromKernelName name: ByteString, directoryFD: Int32) -> ByteString {
        let prefix = Array("/dev/fd/\(directoryFD)".utf8)
        guard name.bytes.starts(with: prefix) else { return name }
        let rest = name.bytes.dropFirst(prefix.count)
        if rest.isEmpty { return ByteString(bytes: []) }
        guard rest.first == UInt8(ascii: "/") else { return name }
        return ByteString(rest.dropFirst())
    }

    /// A NUL-terminated string of at most `max` bytes.
    static func cString(_ p: UnsafeRawPointer, max: Int) -> ByteString {
        let bytes = UnsafeRawBufferPointer(start: p, count: max)
        let end = bytes.firstIndex(of: 0) ?? max
        return ByteString(bytes[0..<end])
    }

    /// A string the kernel captured: `length` counts its NUL.
    static func captured(_ p: UnsafeRawPointer, length: Int, flags: UInt8, available: Int) -> CapturedString {
        if flags & UInt8(OBS_CAPTURE_UNREADABLE.rawValue) != 0 || length == 0 || available <= 0 {
            return CapturedString(ByteString(bytes: []), unreadable: true)
        }
        let n = min(length, available, Int(OBS_PATH_MAX))
        let bytes = UnsafeRawBufferPointer(start: p, count: n)
        let end = bytes.firstIndex(of: 0) ?? n
        return CapturedString(
            ByteString(bytes[0..<end]), truncated: flags & UInt8(OBS_CAPTURE_TRUNCATED.rawValue) != 0)
    }

    /// Decodes a `sockaddr` of `length` bytes: AF_INET, AF_INET6 and AF_UNIX, others by family.
    static func socketAddress(_ p: UnsafeRawPointer, length: Int, flags: UInt8) -> SocketAddress {
        if flags & UInt8(OBS_CAPTURE_NOT_REQUESTED.rawValue) != 0 { return .notRequested }
        if flags & UInt8(OBS_CAPTURE_UNREADABLE.rawValue) != 0 || length < 2 { return .unreadable }
        let bytes = UnsafeRawBufferPointer(start: p, count: length)
        let family = Int32(p.loadUnaligned(as: UInt16.self))
        func port() -> UInt16 { UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }
        switch family {
        case AddressFamily.inet where length >= 8:
            return .ipv4(address: "\(bytes[4]).\(bytes[5]).\(bytes[6]).\(bytes[7])", port: port())
        case AddressFamily.inet6 where length >= 24:
            guard let address = Syscall.ipv6Text(p + 8) else { return .other(family: UInt16(family)) }
            return .ipv6(address: address, port: port())
        case AddressFamily.unix:
            let path = bytes[2..<length]
            let truncated = flags & UInt8(OBS_CAPTURE_TRUNCATED.rawValue) != 0
            if path.first == 0 {
                // Abstract: the name is every byte after the leading NUL, NULs included.
                return .unix(
                    path: CapturedString(ByteString(path.dropFirst()), truncated: truncated), abstract: true)
            }
            let end = path.firstIndex(of: 0) ?? path.endIndex
            return .unix(
                path: CapturedString(ByteString(path[path.startIndex..<end]), truncated: truncated), abstract: false
            )
        default:
            return .other(family: UInt16(truncatingIfNeeded: family))
        }
    }
}

/// The `comm` of the last record, kept by the decoder: a flood's records come from a few tasks,
/// each carrying the same 16 bytes, so the same `ByteString` is handed out again (a retain)
/// instead of a new array allocated on the ring thread and freed on the reader's, per event.
///
/// Mutable state behind a `let`: the decoder belongs to one thread (the ring-buffer consumer's,
/// or a test's), like the consumer that holds it.
final class LastCommand {
    /// The raw `comm` field the cached string came from, NULs and what follows them included.
    private var raw: (UInt64, UInt64) = (0, 0)
    private var command: ByteString?

    init() {
        precondition(OBS_COMM_LEN == 16, "LastCommand compares comm as two 8-byte words")
    }

    /// The `comm` at `p` (`OBS_COMM_LEN` bytes, NUL-terminated when shorter).
    func command(at p: UnsafeRawPointer) -> ByteString {
        let field = (p.loadUnaligned(as: UInt64.self), p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if let command, field == raw { return command }
        let decoded = RecordDecoder.cString(p, max: Int(OBS_COMM_LEN))
        raw = field
        command = decoded
        return decoded
    }
}
