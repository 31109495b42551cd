#if os(Linux)
    import CObserverBPF
    import Glibc

    /// Turns one ring-buffer record (`obs_records.h`) into an `ObserverEvent`, copying every byte it
    /// keeps: the record's memory belongs to the ring and is reused once the callback returns.
    struct RecordDecoder {
        /// What one record became.
        struct Decoded {
            var event: ObserverEvent?
            /// Records this CPU lost just before this one (`obs_header.lost_before`).
            var lostBefore: UInt64
            /// Set for an exit record: the process and its status.
            var exit: (processID: Int32, status: ExitStatus)?
        }

        let categories: Set<EventCategory>

        func decode(_ p: UnsafeRawPointer, size: Int) -> Decoded? {
            guard size >= MemoryLayout<obs_header>.size else { return nil }
            let h = p.loadUnaligned(as: obs_header.self)
            var event = ObserverEvent(
                timestampNs: h.ts_ns, category: .process, processID: Int32(bitPattern: h.tgid),
                threadID: Int32(bitPattern: h.tid), parentProcessID: h.ptgid == 0 ? nil : Int32(bitPattern: h.ptgid),
                command: Self.cString(p + MemoryLayout<obs_header>.offset(of: \.comm)!, max: Int(OBS_COMM_LEN)),
                kind: .lost(Lost(count: 0, source: .kernel)))
            var decoded = Decoded(event: nil, lostBefore: UInt64(h.lost_before), exit: nil)
            switch h.type {
            case OBS_REC_FORK.rawValue:
                guard size >= MemoryLayout<obs_fork_rec>.size else { return nil }
                let r = p.loadUnaligned(as: obs_fork_rec.self)
                event.parentProcessID = Int32(bitPattern: r.parent_tgid)
                event.kind = .fork(
                    Fork(childProcessID: event.processID, parentProcessID: Int32(bitPattern: r.parent_tgid)))
            case OBS_REC_EXIT.rawValue:
                guard size >= MemoryLayout<obs_exit_rec>.size else { return nil }
                let r = p.loadUnaligned(as: obs_exit_rec.self)
                let status = ExitStatus(waitStatus: r.status)
                event.kind = .exit(status)
                decoded.exit = (event.processID, status)
            case OBS_REC_EXEC.rawValue:
                event.kind = decodeExec(p, size: size)
            case OBS_REC_FILE.rawValue:
                event.category = .file
                guard let kind = decodeFile(p, size: size) else { return decoded }
                event.kind = kind
            case OBS_REC_SOCK.rawValue:
                event.category = .network
                guard let kind = decodeSocket(p, size: size) else { return decoded }
                event.kind = kind
            default:
                return decoded
            }
            if categories.contains(event.category) { decoded.event = event }
            return decoded
        }

        // MARK: - kinds

        private static let execPath = MemoryLayout<obs_exec_rec>.offset(of: \.path)!
        private static let execArgv = MemoryLayout<obs_exec_rec>.offset(of: \.argv)!

        private func decodeExec(_ p: UnsafeRawPointer, size: Int) -> EventKind {
            let ret = p.loadUnaligned(fromByteOffset: MemoryLayout<obs_exec_rec>.offset(of: \.ret)!, as: Int64.self)
            let pathLen = Int(
                p.loadUnaligned(fromByteOffset: MemoryLayout<obs_exec_rec>.offset(of: \.path_len)!, as: UInt16.self))
            let argvLen = Int(
                p.loadUnaligned(fromByteOffset: MemoryLayout<obs_exec_rec>.offset(of: \.argv_len)!, as: UInt16.self))
            let pathFlags = p.load(fromByteOffset: MemoryLayout<obs_exec_rec>.offset(of: \.path_flags)!, as: UInt8.self)
            let argvFlags = p.load(fromByteOffset: MemoryLayout<obs_exec_rec>.offset(of: \.argv_flags)!, as: UInt8.self)
            let path = Self.captured(
                p + Self.execPath, length: pathLen, flags: pathFlags, available: size - Self.execPath)
            var argv: [ByteString] = []
            let blob = UnsafeRawBufferPointer(
                start: p + Self.execArgv, count: max(0, min(argvLen, size - Self.execArgv, Int(OBS_ARGV_MAX))))
            var start = 0
            for i in 0..<blob.count where blob[i] == 0 {
                argv.append(ByteString(blob[start..<i]))
                start = i + 1
            }
            if start < blob.count { argv.append(ByteString(blob[start..<blob.count])) }
            let truncated = argvFlags & UInt8(OBS_CAPTURE_TRUNCATED.rawValue | OBS_CAPTURE_UNREADABLE.rawValue) != 0
            return .exec(Exec(path: path, argv: argv, argvTruncated: truncated, result: SyscallResult(ret)))
        }

        private enum FileField {
            static let ret = MemoryLayout<obs_file_rec>.offset(of: \.ret)!
            static let dfd = MemoryLayout<obs_file_rec>.offset(of: \.dfd)!
            static let flags = MemoryLayout<obs_file_rec>.offset(of: \.flags)!
            static let mode = MemoryLayout<obs_file_rec>.offset(of: \.mode)!
            static let op = MemoryLayout<obs_file_rec>.offset(of: \.op)!
            static let syscall = MemoryLayout<obs_file_rec>.offset(of: \.syscall)!
            static let pathFlags = MemoryLayout<obs_file_rec>.offset(of: \.path_flags)!
            static let path2Flags = MemoryLayout<obs_file_rec>.offset(of: \.path2_flags)!
            static let pathLen = MemoryLayout<obs_file_rec>.offset(of: \.path_len)!
            static let path2Len = MemoryLayout<obs_file_rec>.offset(of: \.path2_len)!
            static let path = MemoryLayout<obs_file_rec>.offset(of: \.path)!
            static let path2 = MemoryLayout<obs_file_rec>.offset(of: \.path2)!
        }

        private static let atSyscalls: Set<UInt8> = Set(
            [OBS_SC_OPENAT, OBS_SC_OPENAT2, OBS_SC_UNLINKAT, OBS_SC_MKDIRAT, OBS_SC_RENAMEAT, OBS_SC_RENAMEAT2].map {
                UInt8($0.rawValue)
            })

        private func decodeFile(_ p: UnsafeRawPointer, size: Int) -> EventKind? {
            guard size >= FileField.path else { return nil }
            let result = SyscallResult(p.loadUnaligned(fromByteOffset: FileField.ret, as: Int64.self))
            let flags = p.loadUnaligned(fromByteOffset: FileField.flags, as: Int32.self)
            let mode = p.loadUnaligned(fromByteOffset: FileField.mode, as: UInt32.self)
            let dfd = p.loadUnaligned(fromByteOffset: FileField.dfd, as: Int32.self)
            let op = p.load(fromByteOffset: FileField.op, as: UInt8.self)
            let isAt = Self.atSyscalls.contains(p.load(fromByteOffset: FileField.syscall, as: UInt8.self))
            let path = Self.captured(
                p + FileField.path, length: Int(p.loadUnaligned(fromByteOffset: FileField.pathLen, as: UInt16.self)),
                flags: p.load(fromByteOffset: FileField.pathFlags, as: UInt8.self), available: size - FileField.path)
            switch UInt32(op) {
            case OBS_FILE_OPEN.rawValue:
                let creates = flags & O_CREAT != 0 || flags & Self.oTmpfile == Self.oTmpfile
                return .open(
                    FileOpen(
                        path: path, flags: flags, mode: creates ? mode : nil, result: result,
                        directoryFD: isAt ? dfd : nil))
            case OBS_FILE_UNLINK.rawValue:
                return .unlink(PathOperation(path: path, result: result))
            case OBS_FILE_RMDIR.rawValue:
                return .rmdir(PathOperation(path: path, result: result))
            case OBS_FILE_MKDIR.rawValue:
                return .mkdir(PathOperation(path: path, mode: mode, result: result))
            case OBS_FILE_RENAME.rawValue:
                let newPath = Self.captured(
                    p + FileField.path2,
                    length: Int(p.loadUnaligned(fromByteOffset: FileField.path2Len, as: UInt16.self)),
                    flags: p.load(fromByteOffset: FileField.path2Flags, as: UInt8.self),
                    available: size - FileField.path2)
                return .rename(Rename(path: path, newPath: newPath, result: result))
            default:
                return nil
            }
        }

        /// O_TMPFILE is `__O_TMPFILE | O_DIRECTORY`; Glibc does not export it to Swift.
        private static let oTmpfile: Int32 = 0o20_000_000 | O_DIRECTORY

        private static let sockAddr = MemoryLayout<obs_sock_rec>.offset(of: \.addr)!

        private func decodeSocket(_ p: UnsafeRawPointer, size: Int) -> EventKind? {
            guard size >= MemoryLayout<obs_sock_rec>.size else { return nil }
            let r = p.loadUnaligned(as: obs_sock_rec.self)
            let result = SyscallResult(r.ret)
            let address = Self.socketAddress(
                p + Self.sockAddr, length: Int(min(r.addr_len, UInt32(OBS_SOCKADDR_MAX))), flags: r.addr_flags)
            switch UInt32(r.op) {
            case OBS_SOCK_CONNECT.rawValue: return .connect(SocketOperation(fd: r.fd, address: address, result: result))
            case OBS_SOCK_ACCEPT.rawValue: return .accept(SocketOperation(fd: r.fd, address: address, result: result))
            case OBS_SOCK_BIND.rawValue: return .bind(SocketOperation(fd: r.fd, address: address, result: result))
            case OBS_SOCK_LISTEN.rawValue: return .listen(Listen(fd: r.fd, backlog: r.backlog, result: result))
            default: return nil
            }
        }

        // MARK: - pieces

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
            if flags & UInt8(OBS_CAPTURE_UNREADABLE.rawValue) != 0 || length < 2 { return .unreadable }
            let bytes = UnsafeRawBufferPointer(start: p, count: length)
            let family = Int32(p.loadUnaligned(as: UInt16.self))
            func port() -> UInt16 { UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }
            switch family {
            case AF_INET where length >= 8:
                return .ipv4(address: "\(bytes[4]).\(bytes[5]).\(bytes[6]).\(bytes[7])", port: port())
            case AF_INET6 where length >= 24:
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                guard inet_ntop(AF_INET6, p + 8, &text, socklen_t(text.count)) != nil else { return .other(family: 10) }
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return .ipv6(address: address, port: port())
            case AF_UNIX:
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
#endif
