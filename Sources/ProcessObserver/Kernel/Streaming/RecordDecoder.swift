import CObserverBPF

/// Turns one ring-buffer record (`obs_records.h`) into an `ObserverEvent`, copying every byte it
/// keeps: the record's memory belongs to the ring and is reused once the callback returns.
///
/// Every record is checked against the contract's size rule before any field past the header
/// is read: its type must be known, its lengths must fit their fields, and it must be exactly
/// as long as the rule says for those lengths (`OBS_*_REC_SIZE`). Anything else is
/// `Malformed`, which the consumer counts and reports as a kernel loss.
struct RecordDecoder {
    /// What one record became.
    struct Decoded {
        var event: ObserverEvent?
        /// Records this CPU lost just before this one (`obs_header.lost_before`).
        var lostBefore: UInt64
        /// Set for an exit record: the process and how it ended.
        var exit: (processID: Int32, end: ProcessEnd)?
        /// Set for a syscall summary record (its event holds this record's part of the process's
        /// summary): whether it is the process's last.
        var summaryLast: Bool?
        /// Set for a DNS record of a run with the network category: the payload, and the event
        /// (process, thread, time) an exchange it completes is reported with. It is no event by
        /// itself: `DNSTracker` pairs payloads into `dns` events.
        var dns: (payload: DNSPayload, event: ObserverEvent)?
        /// The record's time (`obs_header.ts_ns`), whether or not it became an event.
        var timestampNs: UInt64 = 0
        /// Set for a file close whose path is its open's (`OBS_SOURCE_OPENED`): the event's path
        /// is empty until `OpenPathTable` fills it in.
        var pathFromOpen = false
    }

    /// A record that breaks the contract: dropped, and counted as lost.
    struct Malformed: Error, Equatable {
        /// What is wrong with it, in a sentence fragment ("an exec record of 4100 bytes ...").
        var reason: String
        /// The header's `lost_before` when the header itself was whole, else 0.
        var lostBefore: UInt64 = 0
        /// The header's timestamp when the header was whole.
        var timestampNs: UInt64?
    }

    let categories: Set<EventCategory>
    /// Whether the programs were loaded with `obs_resolve_paths` on: then an absolute path as
    /// passed is reported as its own `ResolvedPath` too.
    var resolvesPaths: Bool
    /// Bytes per page, the unit of the exit record's RSS figures.
    var pageSize: UInt64
    /// `categories`, one bit per case: tested per record without hashing.
    private let categoryBits: UInt8
    /// The last `comm` decoded, handed out again while records keep carrying the same bytes.
    private let lastCommand = LastCommand()

    init(categories: Set<EventCategory>, resolvesPaths: Bool = true, pageSize: UInt64 = ProcFS.pageSize) {
        self.categories = categories
        self.resolvesPaths = resolvesPaths
        self.pageSize = pageSize
        self.categoryBits = categories.reduce(0) { $0 | Self.bit(of: $1) }
    }

    private static func bit(of category: EventCategory) -> UInt8 {
        switch category {
        case .lifecycle: 1
        case .file: 2
        case .network: 4
        case .process: 8
        }
    }

    /// Decodes `record`, or throws `Malformed` without reading past its end.
    func decode(_ record: UnsafeRawBufferPointer) throws(Malformed) -> Decoded {
        let size = record.count
        guard let p = record.baseAddress, size >= Int(obs_min_rec_size()) else {
            throw Malformed(
                reason: "a record of \(size) bytes is shorter than its \(obs_min_rec_size())-byte header")
        }
        let h = p.loadUnaligned(as: obs_header.self)
        let check = SizeCheck(size: size, lostBefore: UInt64(h.lost_before), timestampNs: h.ts_ns)
        try check.size(Self.rule(of: h.type, at: p, size: size, check: check))
        var event = ObserverEvent(
            timestampNs: h.ts_ns, category: .process, processID: Int32(bitPattern: h.tgid),
            threadID: Int32(bitPattern: h.tid), parentProcessID: h.ptgid == 0 ? nil : Int32(bitPattern: h.ptgid),
            command: lastCommand.command(at: p + MemoryLayout<obs_header>.offset(of: \.comm)!),
            kind: .lost(Lost(count: 0, source: .kernel)))
        event.cgroupID = h.cgroup_id == 0 ? nil : h.cgroup_id
        var decoded = Decoded(
            event: nil, lostBefore: UInt64(h.lost_before), exit: nil, dns: nil, timestampNs: h.ts_ns)
        switch h.type {
        case OBS_REC_FORK.rawValue:
            let r = p.loadUnaligned(as: obs_fork_rec.self)
            event.parentProcessID = Int32(bitPattern: r.parent_tgid)
            event.kind = .fork(
                Fork(childProcessID: event.processID, parentProcessID: Int32(bitPattern: r.parent_tgid)))
        case OBS_REC_EXIT.rawValue:
            let r = p.loadUnaligned(as: obs_exit_rec.self)
            var end = ProcessEnd(
                ExitStatus(waitStatus: r.status), killedByOOM: r.flags & UInt32(OBS_EXIT_OOM_KILLED) != 0)
            if r.flags & UInt32(OBS_EXIT_MAXRSS) != 0 { end.peakRSSBytes = r.maxrss_pages &* pageSize }
            if r.flags & UInt32(OBS_EXIT_IMAGE_RSS) != 0 { end.imagePeakRSSBytes = r.image_rss_pages &* pageSize }
            end.io = Self.processIO(r)
            event.kind = .exit(end)
            decoded.exit = (event.processID, end)
        case OBS_REC_EXEC.rawValue:
            event.kind = decodeExec(p, size: size)
        case OBS_REC_FILE.rawValue:
            event.category = .file
            guard let kind = decodeFile(p, size: size) else {
                throw check.fail("of unknown operation", type: h.type)
            }
            event.kind = kind
            event.durationNs = p.loadUnaligned(
                fromByteOffset: MemoryLayout<obs_file_rec>.offset(of: \.duration_ns)!, as: UInt64.self)
        case OBS_REC_SOCK.rawValue:
            event.category = .network
            guard let kind = decodeSocket(p, size: size) else {
                throw check.fail("of unknown operation", type: h.type)
            }
            event.kind = kind
            event.durationNs = p.loadUnaligned(
                fromByteOffset: MemoryLayout<obs_sock_rec>.offset(of: \.duration_ns)!, as: UInt64.self)
        case OBS_REC_SC.rawValue:
            let count = Int(p.loadUnaligned(fromByteOffset: ScField.count, as: UInt32.self))
            event.kind = .syscalls(
                SyscallSummary(
                    syscalls: SyscallSummaryReader.counts(of: p, count: count),
                    dropped: p.loadUnaligned(fromByteOffset: ScField.dropped, as: UInt64.self)))
            decoded.summaryLast = p.loadUnaligned(fromByteOffset: ScField.last, as: UInt32.self) != 0
        case OBS_REC_FILE_CLOSE.rawValue:
            event.category = .file
            guard let kind = decodeFileClose(p) else { throw check.fail("of unknown closed_by", type: h.type) }
            event.kind = kind
            decoded.pathFromOpen =
                p.load(fromByteOffset: FileCloseField.path + FileCloseField.source, as: UInt8.self)
                == UInt8(OBS_SOURCE_OPENED.rawValue)
        case OBS_REC_SOCK_CLOSE.rawValue:
            event.category = .network
            guard let kind = decodeSocketClose(p) else { throw check.fail("of unknown closed_by", type: h.type) }
            event.kind = kind
        case OBS_REC_DNS.rawValue:
            event.category = .network
            guard let payload = decodeDNS(p) else {
                throw check.fail("of unknown family, direction or transport", type: h.type)
            }
            if categoryBits & Self.bit(of: .network) != 0 { decoded.dns = (payload, event) }
            return decoded
        default:
            throw check.fail("of unknown type \(h.type)")
        }
        if categoryBits & Self.bit(of: event.category) != 0 { decoded.event = event }
        return decoded
    }

    // MARK: - the size rule

    /// The record's header facts, for the failures the checks throw.
    private struct SizeCheck {
        var size: Int
        var lostBefore: UInt64
        var timestampNs: UInt64

        func fail(_ what: String, type: UInt32? = nil) -> Malformed {
            let name = type.map { RecordDecoder.typeName($0) + " " } ?? ""
            let article = name.first.map { "aeiou".contains($0) } == true ? "an" : "a"
            return Malformed(
                reason: "\(article) \(name)record \(what) (\(size) bytes)",
                lostBefore: lostBefore, timestampNs: timestampNs)
        }

        /// Checks one length against its field's limit.
        func length(_ name: @autoclosure () -> String, _ value: Int, limit: Int, type: UInt32) throws(Malformed) {
            if value > limit {
                throw fail("whose \(name()) of \(value) exceeds its \(limit)-byte field", type: type)
            }
        }

        /// Checks each packed string's length against a path's field; `names` names them.
        func lengths(_ strings: Packed.Strings, names: (Int) -> String, type: UInt32) throws(Malformed) {
            for i in 0..<strings.count {
                try length(names(i) + "_len", strings[i].length, limit: Int(OBS_PATH_MAX), type: type)
            }
        }

        /// Checks the size against the rule's.
        func size(_ rule: Rule) throws(Malformed) {
            if size != rule.expected {
                throw fail("that should be \(rule.expected) bytes by the size rule", type: rule.type)
            }
        }
    }

    /// What the size rule expects of one record: its exact size (lengths already checked).
    private struct Rule {
        var type: UInt32
        var expected: Int
    }

    static func typeName(_ type: UInt32) -> String {
        switch type {
        case OBS_REC_FORK.rawValue: "fork"
        case OBS_REC_EXIT.rawValue: "exit"
        case OBS_REC_EXEC.rawValue: "exec"
        case OBS_REC_FILE.rawValue: "file"
        case OBS_REC_SOCK.rawValue: "socket"
        case OBS_REC_SC.rawValue: "syscall summary"
        case OBS_REC_FILE_CLOSE.rawValue: "file close"
        case OBS_REC_SOCK_CLOSE.rawValue: "socket close"
        case OBS_REC_DNS.rawValue: "DNS"
        default: "type-\(type)"
        }
    }

    /// The rule for a record of `type`, reading only the length fields, and only once the
    /// record is known to reach past them.
    private static func rule(of type: UInt32, at p: UnsafeRawPointer, size: Int, check: SizeCheck) throws(Malformed)
        -> Rule
    {
        func u16(_ offset: Int) -> Int { Int(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        func atLeast(_ base: UInt64) throws(Malformed) {
            if size < Int(base) {
                throw check.fail("shorter than its \(base) bytes of fixed fields", type: type)
            }
        }
        switch type {
        case OBS_REC_FORK.rawValue:
            return Rule(type: type, expected: Int(obs_fork_rec_size()))
        case OBS_REC_EXIT.rawValue:
            return Rule(type: type, expected: Int(obs_exit_rec_size()))
        case OBS_REC_SOCK.rawValue:
            try atLeast(obs_sock_rec_size(0))
            let addrLen = Int(
                p.loadUnaligned(
                    fromByteOffset: MemoryLayout<obs_sock_rec>.offset(of: \.addr_len)!, as: UInt32.self))
            let cwd = Packed.strings(p, at: SockField.cwd, count: 1, data: SockField.data)
            try check.length("addr_len", addrLen, limit: Int(OBS_SOCKADDR_MAX), type: type)
            try check.lengths(cwd, names: { _ in "cwd" }, type: type)
            return Rule(type: type, expected: Int(obs_sock_rec_size(UInt64(cwd.total))))
        case OBS_REC_EXEC.rawValue:
            try atLeast(obs_exec_rec_size(0))
            let argvLen = u16(ExecField.argvLen)
            let strings = Packed.strings(
                p, at: ExecField.str, count: Int(OBS_EXEC_STR_COUNT.rawValue), data: ExecField.data, after: argvLen)
            try check.length("argv_len", argvLen, limit: Int(OBS_ARGV_MAX), type: type)
            try check.lengths(strings, names: { ["path", "resolved", "cwd"][$0] }, type: type)
            return Rule(type: type, expected: Int(obs_exec_rec_size(UInt64(argvLen + strings.total))))
        case OBS_REC_FILE.rawValue:
            try atLeast(obs_file_rec_size(0))
            let strings = Packed.strings(
                p, at: FileField.str, count: Int(OBS_FILE_STR_COUNT.rawValue), data: FileField.data)
            try check.lengths(strings, names: { ["path", "path2", "resolved", "resolved2"][$0] }, type: type)
            return Rule(type: type, expected: Int(obs_file_rec_size(UInt64(strings.total))))
        case OBS_REC_SC.rawValue:
            try atLeast(obs_sc_rec_size(0))
            let count = Int(p.loadUnaligned(fromByteOffset: ScField.count, as: UInt32.self))
            if count > Int(OBS_SC_REC_ENTRIES) {
                throw check.fail("whose count of \(count) exceeds its \(OBS_SC_REC_ENTRIES) entries", type: type)
            }
            return Rule(type: type, expected: Int(obs_sc_rec_size(UInt64(count))))
        case OBS_REC_FILE_CLOSE.rawValue:
            try atLeast(obs_file_close_rec_size(0))
            let path = Packed.strings(p, at: FileCloseField.path, count: 1, data: FileCloseField.data)
            try check.lengths(path, names: { _ in "path" }, type: type)
            return Rule(type: type, expected: Int(obs_file_close_rec_size(UInt64(path.total))))
        case OBS_REC_SOCK_CLOSE.rawValue:
            try atLeast(obs_sock_close_rec_size())
            let r = p.loadUnaligned(as: obs_sock_close_rec.self)
            try check.length("local_len", Int(r.local_len), limit: Int(OBS_SOCKADDR_MAX), type: type)
            try check.length("peer_len", Int(r.peer_len), limit: Int(OBS_SOCKADDR_MAX), type: type)
            return Rule(type: type, expected: Int(obs_sock_close_rec_size()))
        case OBS_REC_DNS.rawValue:
            try atLeast(obs_dns_rec_size(0))
            let size = dnsRecordSize(p)
            try check.length("len", size.payload, limit: Int(OBS_DNS_PAYLOAD_MAX), type: type)
            return Rule(type: type, expected: size.expected)
        default:
            throw check.fail("of unknown type \(type)")
        }
    }

    // MARK: - kinds

    private enum ScField {
        static let dropped = MemoryLayout<obs_header>.size
        static let count = dropped + 8
        static let last = count + 4
    }

    private enum ExecField {
        static let ret = MemoryLayout<obs_exec_rec>.offset(of: \.ret)!
        static let dfd = MemoryLayout<obs_exec_rec>.offset(of: \.dfd)!
        static let argvLen = MemoryLayout<obs_exec_rec>.offset(of: \.argv_len)!
        static let argvFlags = MemoryLayout<obs_exec_rec>.offset(of: \.argv_flags)!
        static let syscall = MemoryLayout<obs_exec_rec>.offset(of: \.syscall)!
        static let str = MemoryLayout<obs_exec_rec>.offset(of: \.str)!
        /// Where data starts: the base size of the size rule (Swift does not import a 16 KiB array).
        static let data = Int(obs_exec_rec_size(0))
    }

    private func decodeExec(_ p: UnsafeRawPointer, size: Int) -> EventKind {
        let ret = p.loadUnaligned(fromByteOffset: ExecField.ret, as: Int64.self)
        let argvLen = Int(p.loadUnaligned(fromByteOffset: ExecField.argvLen, as: UInt16.self))
        let argvFlags = p.load(fromByteOffset: ExecField.argvFlags, as: UInt8.self)
        let isAt = p.load(fromByteOffset: ExecField.syscall, as: UInt8.self) == UInt8(OBS_SC_EXECVEAT.rawValue)
        let strings = Packed.strings(
            p, at: ExecField.str, count: Int(OBS_EXEC_STR_COUNT.rawValue), data: ExecField.data, after: argvLen)
        let dfd = p.loadUnaligned(fromByteOffset: ExecField.dfd, as: Int32.self)
        var path = strings[0].captured(p)
        if strings[0].flags & UInt8(OBS_CAPTURE_FDPATH.rawValue) != 0 {
            path.value = Self.passedPath(fromKernelName: path.value, directoryFD: dfd)
        }
        var argv: [ByteString] = []
        let blob = UnsafeRawBufferPointer(start: p + ExecField.data, count: min(argvLen, Int(OBS_ARGV_MAX)))
        var start = 0
        for i in 0..<blob.count where blob[i] == 0 {
            argv.append(ByteString(blob[start..<i]))
            start = i + 1
        }
        if start < blob.count { argv.append(ByteString(blob[start..<blob.count])) }
        let truncated = argvFlags & UInt8(OBS_CAPTURE_TRUNCATED.rawValue | OBS_CAPTURE_UNREADABLE.rawValue) != 0
        return .exec(
            Exec(
                path: path, argv: argv, argvTruncated: truncated, result: SyscallResult(ret),
                directoryFD: isAt ? dfd : nil,
                absolutePath: resolved(strings[1], p, asPassed: path),
                workingDirectory: strings[2].walked(p, as: ResolvedPath.Source.workingDirectory)))
    }

    private enum FileField {
        static let ret = MemoryLayout<obs_file_rec>.offset(of: \.ret)!
        static let dfd = MemoryLayout<obs_file_rec>.offset(of: \.dfd)!
        static let dfd2 = MemoryLayout<obs_file_rec>.offset(of: \.dfd2)!
        static let flags = MemoryLayout<obs_file_rec>.offset(of: \.flags)!
        static let mode = MemoryLayout<obs_file_rec>.offset(of: \.mode)!
        static let fd = MemoryLayout<obs_file_rec>.offset(of: \.fd)!
        static let op = MemoryLayout<obs_file_rec>.offset(of: \.op)!
        static let syscall = MemoryLayout<obs_file_rec>.offset(of: \.syscall)!
        static let str = MemoryLayout<obs_file_rec>.offset(of: \.str)!
        static let data = Int(obs_file_rec_size(0))
    }

    /// The *at syscalls (which take a directory descriptor), one bit per `obs_syscall`: tested
    /// per file record without hashing.
    private static let atSyscalls: UInt64 = [
        OBS_SC_OPENAT, OBS_SC_OPENAT2, OBS_SC_UNLINKAT, OBS_SC_MKDIRAT, OBS_SC_RENAMEAT, OBS_SC_RENAMEAT2,
        OBS_SC_LINKAT, OBS_SC_SYMLINKAT,
    ].reduce(0) { $0 | 1 << UInt64($1.rawValue) }

    private static func isAt(_ syscall: UInt8) -> Bool {
        syscall < UInt64.bitWidth && atSyscalls & (1 << UInt64(syscall)) != 0
    }

    private func decodeFile(_ p: UnsafeRawPointer, size: Int) -> EventKind? {
        let result = SyscallResult(p.loadUnaligned(fromByteOffset: FileField.ret, as: Int64.self))
        let flags = p.loadUnaligned(fromByteOffset: FileField.flags, as: Int32.self)
        let mode = p.loadUnaligned(fromByteOffset: FileField.mode, as: UInt32.self)
        let op = p.load(fromByteOffset: FileField.op, as: UInt8.self)
        let isAt = Self.isAt(p.load(fromByteOffset: FileField.syscall, as: UInt8.self))
        let dfd = isAt ? p.loadUnaligned(fromByteOffset: FileField.dfd, as: Int32.self) : nil
        let dfd2 = isAt ? p.loadUnaligned(fromByteOffset: FileField.dfd2, as: Int32.self) : nil
        let strings = Packed.strings(
            p, at: FileField.str, count: Int(OBS_FILE_STR_COUNT.rawValue), data: FileField.data)
        let path = strings[0].captured(p)
        let path2 = strings[1].captured(p)
        let absolute = resolved(strings[2], p, asPassed: path)
        let absolute2 = resolved(strings[3], p, asPassed: path2)
        switch UInt32(op) {
        case OBS_FILE_OPEN.rawValue:
            return .open(
                FileOpen(
                    path: path, flags: flags, mode: OpenFlags.creates(flags) ? mode : nil, result: result,
                    directoryFD: dfd, absolutePath: absolute))
        case OBS_FILE_UNLINK.rawValue:
            return .unlink(PathOperation(path: path, result: result, directoryFD: dfd, absolutePath: absolute))
        case OBS_FILE_RMDIR.rawValue:
            return .rmdir(PathOperation(path: path, result: result, directoryFD: dfd, absolutePath: absolute))
        case OBS_FILE_MKDIR.rawValue:
            return .mkdir(
                PathOperation(path: path, mode: mode, result: result, directoryFD: dfd, absolutePath: absolute))
        case OBS_FILE_RENAME.rawValue:
            return .rename(
                Rename(
                    path: path, newPath: path2, result: result, directoryFD: dfd, newDirectoryFD: dfd2,
                    absolutePath: absolute, newAbsolutePath: absolute2))
        case OBS_FILE_CHDIR.rawValue:
            return .chdir(ChangeDirectory(path: path, fd: nil, absolutePath: absolute, result: result))
        case OBS_FILE_FCHDIR.rawValue:
            let fd = p.loadUnaligned(fromByteOffset: FileField.fd, as: Int32.self)
            return .fchdir(ChangeDirectory(path: nil, fd: fd, absolutePath: absolute, result: result))
        case OBS_FILE_LINK.rawValue:
            return .link(
                Link(
                    path: path, newPath: path2, directoryFD: dfd, newDirectoryFD: dfd2, flags: flags,
                    absolutePath: absolute, newAbsolutePath: absolute2, result: result))
        case OBS_FILE_SYMLINK.rawValue:
            return .symlink(
                Symlink(path: path, target: path2, directoryFD: dfd, absolutePath: absolute, result: result))
        default:
            return nil
        }
    }

    private enum SockField {
        static let addr = MemoryLayout<obs_sock_rec>.offset(of: \.addr)!
        static let cwd = MemoryLayout<obs_sock_rec>.offset(of: \.cwd)!
        static let data = Int(obs_sock_rec_size(0))
    }

    private func decodeSocket(_ p: UnsafeRawPointer, size: Int) -> EventKind? {
        let r = p.loadUnaligned(as: obs_sock_rec.self)
        let result = SyscallResult(r.ret)
        let address = Self.socketAddress(
            p + SockField.addr, length: Int(min(r.addr_len, UInt32(OBS_SOCKADDR_MAX))), flags: r.addr_flags)
        var absolute: ResolvedPath?
        if case .unix(let path, false) = address {
            absolute = resolved(
                Packed.strings(p, at: SockField.cwd, count: 1, data: SockField.data)[0], p, asPassed: path)
        }
        func op() -> SocketOperation {
            SocketOperation(fd: r.fd, address: address, result: result, absolutePath: absolute)
        }
        switch UInt32(r.op) {
        case OBS_SOCK_CONNECT.rawValue: return .connect(op())
        case OBS_SOCK_ACCEPT.rawValue: return .accept(op())
        case OBS_SOCK_BIND.rawValue: return .bind(op())
        case OBS_SOCK_LISTEN.rawValue: return .listen(Listen(fd: r.fd, backlog: r.backlog, result: result))
        default: return nil
        }
    }

    /// The absolute path of `asPassed` from its resolved string: the file's own path, the
    /// base joined to the path as passed, or the path as passed when it is absolute.
    private func resolved(_ s: Packed, _ p: UnsafeRawPointer, asPassed: CapturedString?) -> ResolvedPath? {
        guard resolvesPaths else { return nil }
        switch UInt32(s.source) {
        case OBS_SOURCE_NONE.rawValue:
            guard let asPassed, !asPassed.unreadable, asPassed.value.bytes.first == UInt8(ascii: "/") else {
                return nil
            }
            return ResolvedPath(
                PathJoin.normalise(absolute: asPassed.value), source: .asPassed, truncated: asPassed.truncated)
        case OBS_SOURCE_FILE.rawValue:
            return s.walked(p, as: .file, sameAs: asPassed?.value)
        case OBS_SOURCE_DIRFD.rawValue, OBS_SOURCE_CWD.rawValue:
            let source: ResolvedPath.Source =
                s.source == UInt8(OBS_SOURCE_DIRFD.rawValue) ? .directoryFD : .workingDirectory
            guard var base = s.walked(p, as: source) else { return nil }
            if base.unwalkable { return base }
            guard let asPassed, !asPassed.unreadable else { return nil }
            base.value = PathJoin.join(base: base.value, path: asPassed.value, baseTruncated: base.truncated)
            base.truncated = base.truncated || asPassed.truncated
            return base
        default:
            return nil
        }
    }

    /// One `obs_str` of a record and where its bytes are.
    struct Packed {
        var offset: Int
        var length: Int
        var flags: UInt8
        var source: UInt8

        /// The strings of one record (at most four), held inline: no array per record.
        struct Strings {
            private var slots: (Packed, Packed, Packed, Packed)
            let count: Int

            init(count: Int) {
                precondition(count <= 4, "a record has at most four strings")
                let empty = Packed(offset: 0, length: 0, flags: 0, source: 0)
                slots = (empty, empty, empty, empty)
                self.count = count
            }

            subscript(i: Int) -> Packed {
                get {
                    precondition(i >= 0 && i < count, "string \(i) of \(count)")
                    return withUnsafeBytes(of: slots) {
                        $0.load(fromByteOffset: i * MemoryLayout<Packed>.stride, as: Packed.self)
                    }
                }
                set {
                    precondition(i >= 0 && i < count, "string \(i) of \(count)")
                    withUnsafeMutableBytes(of: &slots) {
                        $0.storeBytes(of: newValue, toByteOffset: i * MemoryLayout<Packed>.stride, as: Packed.self)
                    }
                }
            }

            /// The bytes the strings take in the data area.
            var total: Int {
                var sum = 0
                for i in 0..<count { sum += self[i].length }
                return sum
            }
        }

        /// The `count` strings described at `at`, packed from `data + after` on.
        static func strings(_ p: UnsafeRawPointer, at: Int, count: Int, data: Int, after: Int = 0) -> Strings {
            var offset = data + after
            var out = Strings(count: count)
            for i in 0..<count {
                let s = p.loadUnaligned(fromByteOffset: at + i * MemoryLayout<obs_str>.size, as: obs_str.self)
                out[i] = Packed(offset: offset, length: Int(s.len), flags: s.flags, source: s.source)
                offset += Int(s.len)
            }
            return out
        }

        /// A path as passed (capture flags).
        func captured(_ p: UnsafeRawPointer) -> CapturedString {
            RecordDecoder.captured(p + offset, length: length, flags: flags, available: length)
        }

        /// A path the kernel walked (path flags); nil when there is none. When its bytes are those
        /// of `sameAs` (an absolute path as passed, the file's own name), `sameAs`'s storage is
        /// shared instead of a second copy allocated.
        func walked(_ p: UnsafeRawPointer, as source: ResolvedPath.Source, sameAs: ByteString? = nil) -> ResolvedPath? {
            let unwalkable = flags & UInt8(OBS_PATH_UNWALKABLE.rawValue) != 0
            if length == 0 && !unwalkable { return nil }
            let bytes = UnsafeRawBufferPointer(start: p + offset, count: length)
            let end = bytes.firstIndex(of: 0) ?? length
            let value: ByteString
            if unwalkable {
                value = ByteString(bytes: [])
            } else if let sameAs, sameAs.bytes.elementsEqual(bytes[0..<end]) {
                value = sameAs
            } else {
                value = ByteString(bytes[0..<end])
            }
            return ResolvedPath(
                value, source: source,
                truncated: flags & UInt8(OBS_PATH_TRUNCATED.rawValue) != 0,
                deleted: flags & UInt8(OBS_PATH_DELETED.rawValue) != 0,
                outsideRoot: flags & UInt8(OBS_PATH_OUTSIDE_ROOT.rawValue) != 0, unwalkable: unwalkable)
        }
    }
}
