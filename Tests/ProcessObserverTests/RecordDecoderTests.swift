import CObserverBPF
import Testing

@testable import ProcessObserver

#if os(Linux)
    import Glibc

    /// The decoder over byte fixtures built from the `obs_records.h` structs: every record type and
    /// operation, and records that break the size rule. No bpf() call, no privileges.
    @Suite("Record decoder")
    struct RecordDecoderTests {
        typealias F = RecordFixture
        /// A new decoder each time: a decoder belongs to one thread (it keeps the last `comm`), and
        /// the parameterised tests may run at once.
        static var decoder: RecordDecoder { RecordDecoder(categories: EventCategory.kernelCategories) }

        static func decode(_ bytes: [UInt8], with decoder: RecordDecoder = decoder) throws -> RecordDecoder.Decoded {
            try bytes.withUnsafeBytes { try decoder.decode($0) }
        }

        /// The payload of a kernel kind, comparable.
        static func payload(_ kind: EventKind) -> AnyHashable? {
            switch kind {
            case .fork(let x): x
            case .exec(let x): x
            case .exit(let x): x
            case .open(let x): x
            case .unlink(let x): x
            case .rmdir(let x): x
            case .mkdir(let x): x
            case .rename(let x): x
            case .chdir(let x), .fchdir(let x): x
            case .link(let x): x
            case .symlink(let x): x
            case .connect(let x): x
            case .accept(let x): x
            case .bind(let x): x
            case .listen(let x): x
            default: nil
            }
        }

        static let wellFormed: [(String, [UInt8], String, any Hashable & Sendable)] = [
            ("fork", F.fork(), "fork", Fork(childProcessID: 4242, parentProcessID: 4000)),
            ("exit 3", F.exit(status: 3 << 8), "exit", ProcessEnd(.exited(code: 3))),
            ("exit by SIGKILL", F.exit(status: 9), "exit", ProcessEnd(.signaled(signal: 9, coreDumped: false))),
            (
                "exit by the OOM killer", F.exit(status: 9, flags: UInt32(OBS_EXIT_OOM_KILLED)), "exit",
                ProcessEnd(.signaled(signal: 9, coreDumped: false), killedByOOM: true)
            ),
            (
                "exit with the group's peak RSS only (the image's is unknown): pages times the page size",
                F.exit(status: 0, flags: UInt32(OBS_EXIT_MAXRSS), maxRSSPages: 3, imageRSSPages: 2), "exit",
                ProcessEnd(.exited(code: 0), peakRSSBytes: 3 * ProcFS.pageSize)
            ),
            (
                "exit with both peak RSS figures",
                F.exit(
                    status: 0, flags: UInt32(OBS_EXIT_MAXRSS | OBS_EXIT_IMAGE_RSS), maxRSSPages: 5, imageRSSPages: 4),
                "exit",
                ProcessEnd(
                    .exited(code: 0), peakRSSBytes: 5 * ProcFS.pageSize, imagePeakRSSBytes: 4 * ProcFS.pageSize)
            ),
            (
                "exec", F.exec(path: "/bin/echo", argv: ["echo", "hi there"]), "exec",
                Exec(
                    path: CapturedString("/bin/echo"), argv: ["echo", "hi there"], argvTruncated: false,
                    result: SyscallResult(0), absolutePath: ResolvedPath("/bin/echo", source: .asPassed))
            ),
            (
                "exec of a binary: the executed file and the working directory, walked",
                F.exec(
                    path: "./tool", argv: ["./tool"], resolved: F.Str("/opt/real/tool", source: OBS_SOURCE_FILE),
                    cwd: F.Str("/opt/bin", source: OBS_SOURCE_CWD)), "exec",
                Exec(
                    path: CapturedString("./tool"), argv: ["./tool"], argvTruncated: false, result: SyscallResult(0),
                    directoryFD: nil, absolutePath: ResolvedPath("/opt/real/tool", source: .file),
                    workingDirectory: ResolvedPath("/opt/bin", source: .workingDirectory))
            ),
            (
                "failed exec, argv truncated", F.exec(path: "/nope", argv: ["nope"], ret: -2, argvFlags: 1), "exec",
                Exec(
                    path: CapturedString("/nope"), argv: ["nope"], argvTruncated: true, result: SyscallResult(-2),
                    absolutePath: ResolvedPath("/nope", source: .asPassed))
            ),
            (
                "exec with no argv", F.exec(path: "/bin/true", argv: []), "exec",
                Exec(
                    path: CapturedString("/bin/true"), argv: [], argvTruncated: false, result: SyscallResult(0),
                    absolutePath: ResolvedPath("/bin/true", source: .asPassed))
            ),
            (
                "openat creating",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPENAT, path: "out.txt", ret: 3, dfd: -100,
                    flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644), "open",
                FileOpen(
                    path: CapturedString("out.txt"), flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644,
                    result: SyscallResult(3), directoryFD: -100)
            ),
            (
                "a successful open: the file's own path wins",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPENAT, path: "x", ret: 3, dfd: 5,
                    resolved: F.Str("/srv/renamed/x", source: OBS_SOURCE_FILE)), "open",
                FileOpen(
                    path: CapturedString("x"), flags: 0, mode: nil, result: SyscallResult(3), directoryFD: 5,
                    absolutePath: ResolvedPath("/srv/renamed/x", source: .file))
            ),
            (
                "a failed openat: joined to the dirfd's directory, leading .. applied, ./ dropped",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPENAT, path: "../b/./c", ret: -2, dfd: 5,
                    resolved: F.Str("/srv/a", source: OBS_SOURCE_DIRFD)), "open",
                FileOpen(
                    path: CapturedString("../b/./c"), flags: 0, mode: nil, result: SyscallResult(-2), directoryFD: 5,
                    absolutePath: ResolvedPath("/srv/b/c", source: .directoryFD))
            ),
            (
                "a deleted working directory, flagged on the join; an inner .. kept",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPEN, path: "l/../f", ret: -2,
                    resolved: F.Str("/tmp/gone", flags: UInt8(OBS_PATH_DELETED.rawValue), source: OBS_SOURCE_CWD)),
                "open",
                FileOpen(
                    path: CapturedString("l/../f"), flags: 0, mode: nil, result: SyscallResult(-2),
                    absolutePath: ResolvedPath("/tmp/gone/l/../f", source: .workingDirectory, deleted: true))
            ),
            (
                "a truncated walk: the path's end, no leading slash, flagged",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPEN, path: "f", ret: 3,
                    resolved: F.Str("d/d/f", flags: UInt8(OBS_PATH_TRUNCATED.rawValue), source: OBS_SOURCE_FILE)),
                "open",
                FileOpen(
                    path: CapturedString("f"), flags: 0, mode: nil, result: SyscallResult(3),
                    absolutePath: ResolvedPath("d/d/f", source: .file, truncated: true))
            ),
            (
                "an unwalkable base: no path, flagged",
                F.file(
                    OBS_FILE_UNLINK, syscall: OBS_SC_UNLINKAT, path: "f", ret: -9, dfd: 99,
                    resolved: F.Str(nil, flags: UInt8(OBS_PATH_UNWALKABLE.rawValue), source: OBS_SOURCE_DIRFD)),
                "unlink",
                PathOperation(
                    path: CapturedString("f"), result: SyscallResult(-9), directoryFD: 99,
                    absolutePath: ResolvedPath("", source: .directoryFD, unwalkable: true))
            ),
            (
                "outside the process's root",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPENAT, path: "f", ret: 4, dfd: 3,
                    resolved: F.Str(
                        "/host/f", flags: UInt8(OBS_PATH_OUTSIDE_ROOT.rawValue), source: OBS_SOURCE_FILE)), "open",
                FileOpen(
                    path: CapturedString("f"), flags: 0, mode: nil, result: SyscallResult(4), directoryFD: 3,
                    absolutePath: ResolvedPath("/host/f", source: .file, outsideRoot: true))
            ),
            (
                "chdir: the directory entered",
                F.file(
                    OBS_FILE_CHDIR, syscall: OBS_SC_CHDIR, path: "sub",
                    resolved: F.Str("/w/sub", source: OBS_SOURCE_FILE)),
                "chdir",
                ChangeDirectory(
                    path: CapturedString("sub"), fd: nil, absolutePath: ResolvedPath("/w/sub", source: .file),
                    result: SyscallResult(0))
            ),
            (
                "linkat: both names, both dirfds, the flags",
                F.file(
                    OBS_FILE_LINK, syscall: OBS_SC_LINKAT, path: "a", newPath: "/abs/b", dfd: 7, dfd2: 8,
                    flags: 0x400, resolved: F.Str("/d7", source: OBS_SOURCE_DIRFD)), "link",
                Link(
                    path: CapturedString("a"), newPath: CapturedString("/abs/b"), directoryFD: 7, newDirectoryFD: 8,
                    flags: 0x400, absolutePath: ResolvedPath("/d7/a", source: .directoryFD),
                    newAbsolutePath: ResolvedPath("/abs/b", source: .asPassed), result: SyscallResult(0))
            ),
            (
                "symlink: the link resolved, the target kept as text",
                F.file(
                    OBS_FILE_SYMLINK, syscall: OBS_SC_SYMLINK, path: "ln", newPath: "../t",
                    resolved: F.Str("/w", source: OBS_SOURCE_CWD)), "symlink",
                Symlink(
                    path: CapturedString("ln"), target: CapturedString("../t"),
                    absolutePath: ResolvedPath("/w/ln", source: .workingDirectory), result: SyscallResult(0))
            ),
            (
                "open reading, mode dropped",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPEN, path: "/etc/hosts", ret: 4, flags: O_RDONLY, mode: 0o777),
                "open",
                FileOpen(
                    path: CapturedString("/etc/hosts"), flags: O_RDONLY, mode: nil, result: SyscallResult(4),
                    absolutePath: ResolvedPath("/etc/hosts", source: .asPassed))
            ),
            (
                "open of an unreadable path",
                F.file(
                    OBS_FILE_OPEN, syscall: OBS_SC_OPEN, path: "", ret: -14, pathFlags: 2), "open",
                FileOpen(
                    path: CapturedString(ByteString(bytes: []), unreadable: true), flags: 0, mode: nil,
                    result: SyscallResult(-14))
            ),
            (
                "unlinkat", F.file(OBS_FILE_UNLINK, syscall: OBS_SC_UNLINKAT, path: "gone", ret: 0), "unlink",
                PathOperation(path: CapturedString("gone"), result: SyscallResult(0), directoryFD: -100)
            ),
            (
                "rmdir", F.file(OBS_FILE_RMDIR, syscall: OBS_SC_RMDIR, path: "d", ret: -39), "rmdir",
                PathOperation(path: CapturedString("d"), result: SyscallResult(-39))
            ),
            (
                "mkdir", F.file(OBS_FILE_MKDIR, syscall: OBS_SC_MKDIR, path: "new", mode: 0o755), "mkdir",
                PathOperation(path: CapturedString("new"), mode: 0o755, result: SyscallResult(0))
            ),
            (
                "rename with two paths", F.file(OBS_FILE_RENAME, syscall: OBS_SC_RENAMEAT2, path: "a", newPath: "b/c"),
                "rename",
                Rename(
                    path: CapturedString("a"), newPath: CapturedString("b/c"), result: SyscallResult(0),
                    directoryFD: -100, newDirectoryFD: -100)
            ),
            (
                "connect AF_INET",
                F.socket(
                    OBS_SOCK_CONNECT, syscall: OBS_SC_CONNECT, addr: F.inet([127, 0, 0, 1], port: 8080), ret: -111),
                "connect",
                SocketOperation(
                    fd: 3, address: .ipv4(address: "127.0.0.1", port: 8080), result: SyscallResult(-111))
            ),
            (
                "bind AF_INET6", F.socket(OBS_SOCK_BIND, syscall: OBS_SC_BIND, addr: F.inet6Loopback(port: 443)),
                "bind", SocketOperation(fd: 3, address: .ipv6(address: "::1", port: 443), result: SyscallResult(0))
            ),
            (
                "accept of an abstract AF_UNIX peer",
                F.socket(
                    OBS_SOCK_ACCEPT, syscall: OBS_SC_ACCEPT4, addr: F.unix([0] + Array("obs\u{0}x".utf8)), ret: 5),
                "accept",
                SocketOperation(
                    fd: 3, address: .unix(path: CapturedString(ByteString(Array("obs\u{0}x".utf8))), abstract: true),
                    result: SyscallResult(5))
            ),
            (
                "connect AF_UNIX path",
                F.socket(
                    OBS_SOCK_CONNECT, syscall: OBS_SC_CONNECT, addr: F.unix(Array("/run/x.sock".utf8) + [0, 0, 0])),
                "connect",
                SocketOperation(
                    fd: 3, address: .unix(path: CapturedString("/run/x.sock"), abstract: false),
                    result: SyscallResult(0), absolutePath: ResolvedPath("/run/x.sock", source: .asPassed))
            ),
            (
                "bind AF_UNIX relative path: joined to the working directory",
                F.socket(
                    OBS_SOCK_BIND, syscall: OBS_SC_BIND, addr: F.unix(Array("s.sock".utf8) + [0]),
                    cwd: F.Str("/run/app", source: OBS_SOURCE_CWD)),
                "bind",
                SocketOperation(
                    fd: 3, address: .unix(path: CapturedString("s.sock"), abstract: false), result: SyscallResult(0),
                    absolutePath: ResolvedPath("/run/app/s.sock", source: .workingDirectory))
            ),
            (
                "accept with no address asked for",
                F.socket(
                    OBS_SOCK_ACCEPT, syscall: OBS_SC_ACCEPT4, addrFlags: UInt8(OBS_CAPTURE_NOT_REQUESTED.rawValue),
                    ret: 7), "accept",
                SocketOperation(fd: 3, address: .notRequested, result: SyscallResult(7))
            ),
            (
                "accept with an unreadable address",
                F.socket(
                    OBS_SOCK_ACCEPT, syscall: OBS_SC_ACCEPT, addrFlags: 2, ret: 6), "accept",
                SocketOperation(fd: 3, address: .unreadable, result: SyscallResult(6))
            ),
            (
                "listen", F.socket(OBS_SOCK_LISTEN, syscall: OBS_SC_LISTEN, backlog: 128), "listen",
                Listen(fd: 3, backlog: 128, result: SyscallResult(0))
            ),
        ]

        @Test("a well-formed record of every type and operation decodes to its event", arguments: wellFormed)
        func decodes(name: String, bytes: [UInt8], kind: String, expected: any Hashable & Sendable) throws {
            let decoded = try Self.decode(bytes)
            let event = try #require(decoded.event, "\(name)")
            #expect(event.kind.name == kind, "\(name)")
            #expect(Self.payload(event.kind) == AnyHashable(expected), "\(name)")
            #expect(event.processID == 4242)
            #expect(event.threadID == 4243)
            #expect(event.timestampNs == RecordFixture.ts)
            #expect(event.command == "worker")
            #expect(decoded.lostBefore == 0)
        }

        @Test("one decoder over records of changing comm names each by its own bytes, whatever followed the NUL")
        func commandOfEachRecord() throws {
            let decoder = Self.decoder
            func record(_ comm: [UInt8]) -> [UInt8] {
                var r = obs_fork_rec()
                r.h = F.header(OBS_REC_FORK)
                withUnsafeMutableBytes(of: &r.h.comm) { raw in
                    for i in 0..<raw.count { raw[i] = i < comm.count ? comm[i] : 0 }
                }
                r.parent_tgid = 4001
                return F.bytes(of: r)
            }
            let worker = Array("worker".utf8)
            let full = Array("0123456789abcdef".utf8)  // 16 bytes: no NUL
            let records: [([UInt8], ByteString)] = [
                (worker, "worker"), (worker, "worker"), (worker + [0, 0x41, 0x42], "worker"),
                (Array("cc1".utf8), "cc1"),
                (worker, "worker"), (full, "0123456789abcdef"), ([], ""), (worker, "worker"),
            ]
            for (comm, expected) in records {
                let event = try #require(try Self.decode(record(comm), with: decoder).event)
                #expect(event.command == expected)
            }
        }

        @Test("an open's walked path that equals the absolute path as passed is the same bytes, source file")
        func walkedEqualsPassed() throws {
            let bytes = F.file(
                OBS_FILE_OPEN, syscall: OBS_SC_OPENAT, path: "/etc/hosts", ret: 3,
                resolved: F.Str("/etc/hosts", source: OBS_SOURCE_FILE))
            let event = try #require(try Self.decode(bytes).event)
            guard case .open(let open) = event.kind else {
                Issue.record("expected an open, got \(event.kind.name)")
                return
            }
            #expect(open.path == CapturedString("/etc/hosts"))
            #expect(open.absolutePath == ResolvedPath("/etc/hosts", source: .file))
        }

        @Test("a record carries its CPU's earlier losses, and an exit names the process and status")
        func lostBeforeAndExit() throws {
            var bytes = F.exit(status: 0)
            bytes = F.patch(bytes, at: MemoryLayout<obs_header>.offset(of: \.lost_before)!, UInt32(7))
            let decoded = try Self.decode(bytes)
            #expect(decoded.lostBefore == 7)
            #expect(decoded.exit?.processID == 4242)
            #expect(decoded.exit?.end == ProcessEnd(.exited(code: 0), killedByOOM: false))
        }

        @Test("a file and a socket record carry the call's time in the kernel; an exec record has none")
        func callDuration() throws {
            let file = try #require(
                try Self.decode(F.file(OBS_FILE_UNLINK, syscall: OBS_SC_UNLINK, path: "x", durationNs: 1_234_567))
                    .event)
            #expect(file.durationNs == 1_234_567)
            let sock = try #require(
                try Self.decode(F.socket(OBS_SOCK_LISTEN, syscall: OBS_SC_LISTEN, durationNs: 42)).event)
            #expect(sock.durationNs == 42)
            let exec = try #require(try Self.decode(Self.exec).event)
            #expect(exec.durationNs == nil)
        }

        @Test("a summary record decodes to its part of the process's summary, and says whether it is the last")
        func summaryRecord() throws {
            let part = try Self.decode(F.summary([(39, 5, 0, 500), (2, 3, 2, 900)], last: false))
            #expect(part.summaryLast == false)
            guard case .syscalls(let summary) = try #require(part.event).kind else {
                Issue.record("not a syscalls event")
                return
            }
            #expect(summary.syscalls.map(\.number) == [39, 2])
            #expect(summary.syscalls.map(\.calls) == [5, 3])
            #expect(summary.syscalls.map(\.errors) == [0, 2])
            #expect(summary.syscalls.map(\.totalNs) == [500, 900])
            let last = try Self.decode(F.summary([], last: true, dropped: 4))
            #expect(last.summaryLast == true)
            guard case .syscalls(let end) = try #require(last.event).kind else { return }
            #expect(end.syscalls.isEmpty && end.dropped == 4)
            #expect(try Self.decode(F.exit(status: 0)).summaryLast == nil)
        }

        @Test("a record of a category not asked for decodes to no event, and is not malformed")
        func filtered() throws {
            let decoder = RecordDecoder(categories: [.process])
            let bytes = F.file(OBS_FILE_UNLINK, syscall: OBS_SC_UNLINK, path: "x")
            let decoded = try Self.decode(bytes, with: decoder)
            #expect(decoded.event == nil)
        }

        static let execLen = MemoryLayout<obs_exec_rec>.offset(of: \.argv_len)!
        static let execPathLen = MemoryLayout<obs_exec_rec>.offset(of: \.str)!
        static let filePathLen = MemoryLayout<obs_file_rec>.offset(of: \.str)!
        static let filePath2Len = MemoryLayout<obs_file_rec>.offset(of: \.str)! + MemoryLayout<obs_str>.size
        static let fileOp = MemoryLayout<obs_file_rec>.offset(of: \.op)!
        static let sockAddrLen = MemoryLayout<obs_sock_rec>.offset(of: \.addr_len)!
        static let sockOp = MemoryLayout<obs_sock_rec>.offset(of: \.op)!
        static let type = MemoryLayout<obs_header>.offset(of: \.type)!
        static let exec = F.exec(path: "/bin/echo", argv: ["echo", "hi"])  // argv_len 8, path 10: 106 bytes
        static let open = F.file(OBS_FILE_OPEN, syscall: OBS_SC_OPEN, path: "abc")  // path_len 4: 108 bytes
        static let rename = F.file(OBS_FILE_RENAME, syscall: OBS_SC_RENAME, path: "a", newPath: "bb")  // 109 bytes
        static let sock = F.socket(OBS_SOCK_CONNECT, syscall: OBS_SC_CONNECT, addr: F.inet([1, 2, 3, 4], port: 1))

        static let malformed: [(String, [UInt8], String)] = [
            ("empty", [], "a record of 0 bytes is shorter than its 56-byte header"),
            ("truncated header", Array(F.fork().prefix(55)), "a record of 55 bytes is shorter than its 56-byte header"),
            (
                "unknown type", F.patch(F.fork(), at: type, UInt32(99)),
                "a record of unknown type 99 (64 bytes)"
            ),
            (
                "fork one byte short", Array(F.fork().dropLast()),
                "a fork record that should be 64 bytes by the size rule (63 bytes)"
            ),
            (
                "exit with a byte too many", F.exit(status: 0) + [0],
                "an exit record that should be 136 bytes by the size rule (137 bytes)"
            ),
            (
                "exec cut inside its fixed fields", Array(exec.prefix(80)),
                "an exec record shorter than its 88 bytes of fixed fields (80 bytes)"
            ),
            (
                "exec whose argv_len points past the end", Array(exec.dropLast(3)),
                "an exec record that should be 106 bytes by the size rule (103 bytes)"
            ),
            (
                "exec whose argv_len exceeds its field", F.patch(exec, at: execLen, UInt16(5000)),
                "an exec record whose argv_len of 5000 exceeds its 4096-byte field (106 bytes)"
            ),
            (
                "exec whose path_len exceeds its field", F.patch(exec, at: execPathLen, UInt16(4097)),
                "an exec record whose path_len of 4097 exceeds its 4096-byte field (106 bytes)"
            ),
            (
                "file cut before its path", Array(open.prefix(111)),
                "a file record shorter than its 112 bytes of fixed fields (111 bytes)"
            ),
            (
                "open whose path_len points past the end", F.patch(open, at: filePathLen, UInt16(40)),
                "a file record that should be 152 bytes by the size rule (116 bytes)"
            ),
            (
                "open whose path_len exceeds its field", F.patch(open, at: filePathLen, UInt16(0xffff)),
                "a file record whose path_len of 65535 exceeds its 4096-byte field (116 bytes)"
            ),
            (
                "rename cut inside its first path", Array(rename.prefix(113)),
                "a file record that should be 117 bytes by the size rule (113 bytes)"
            ),
            (
                "rename whose path2_len points past the end", F.patch(rename, at: filePath2Len, UInt16(9)),
                "a file record that should be 123 bytes by the size rule (117 bytes)"
            ),
            (
                "file of unknown operation", F.patch(open, at: fileOp, UInt8(77)),
                "a file record of unknown operation (116 bytes)"
            ),
            (
                "summary whose count exceeds its entries",
                F.patch(F.summary([], last: true), at: MemoryLayout<obs_sc_rec>.offset(of: \.count)!, UInt32(33)),
                "a syscall summary record whose count of 33 exceeds its 32 entries (72 bytes)"
            ),
            (
                "summary one entry short", Array(F.summary([(1, 1, 0, 1), (2, 1, 0, 1)], last: true).dropLast(264)),
                "a syscall summary record that should be 600 bytes by the size rule (336 bytes)"
            ),
            (
                "socket one byte short", Array(sock.dropLast()),
                "a socket record shorter than its 224 bytes of fixed fields (223 bytes)"
            ),
            (
                "socket whose addr_len exceeds its field", F.patch(sock, at: sockAddrLen, UInt32(129)),
                "a socket record whose addr_len of 129 exceeds its 128-byte field (224 bytes)"
            ),
            (
                "socket of unknown operation", F.patch(sock, at: sockOp, UInt8(0)),
                "a socket record of unknown operation (224 bytes)"
            ),
        ]

        @Test("a short or malformed record is refused with the reason, before any field is read", arguments: malformed)
        func refuses(name: String, bytes: [UInt8], reason: String) {
            let failure = #expect(throws: RecordDecoder.Malformed.self, "\(name)") { try Self.decode(bytes) }
            #expect(failure?.reason == reason, "\(name)")
        }

        @Test("a malformed record with a whole header keeps the header's losses and time; a short one has none")
        func malformedCarriesHeader() {
            let bad = F.patch(
                Array(Self.exec.dropLast()), at: MemoryLayout<obs_header>.offset(of: \.lost_before)!, UInt32(4))
            let failure = #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(bad) }
            #expect(failure?.lostBefore == 4)
            #expect(failure?.timestampNs == RecordFixture.ts)
            let short = #expect(throws: RecordDecoder.Malformed.self) { try Self.decode([1, 2, 3]) }
            #expect(short?.lostBefore == 0)
            #expect(short?.timestampNs == nil)
        }

        @Test("the consumer counts a malformed record and reports it as one kernel loss, after its header's losses")
        func consumerCounts() throws {
            let consumer = RecordConsumer(decoder: Self.decoder)
            let bad = F.patch(
                Array(Self.exec.dropLast()), at: MemoryLayout<obs_header>.offset(of: \.lost_before)!, UInt32(2))
            for record in [F.fork(), bad, [0, 1], F.exit(status: 0)] {
                record.withUnsafeBytes { consumer.handle($0) }
            }
            #expect(consumer.delivered == 2)
            #expect(consumer.malformed == 2)
            #expect(consumer.lostReported == 2)
            #expect(consumer.firstMalformed == "an exec record that should be 106 bytes by the size rule (105 bytes)")
        }
    }
#endif
