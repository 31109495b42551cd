import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// The library's JSON Lines encoder, for every kind (kernel kinds included) built directly as
/// values: a pure encoder test, validated against the same schema as obsctl's real output.
@Suite("EventJSON encoding")
struct EventJSONTests {
    private func event(_ category: EventCategory, _ kind: EventKind, comm: ByteString? = "worker") -> ObserverEvent {
        ObserverEvent(
            seq: 7, timestampNs: 1_000_000_123, wallClockNs: 1_700_000_000_123_456_789, category: category,
            processID: 4242, threadID: 4243, parentProcessID: 4000, command: comm, kind: kind)
    }

    private func object(_ e: ObserverEvent) throws -> [String: Any] {
        let line = EventJSON.line(e)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("common members come first, in order, with RFC 3339 nanosecond time")
    func common() throws {
        let line = EventJSON.line(event(.process, .fork(Fork(childProcessID: 4242, parentProcessID: 4000))))
        #expect(
            line
                == #"{"seq":7,"ts_ns":1000000123,"time":"2023-11-14T22:13:20.123456789Z","category":"process","kind":"fork","pid":4242,"tid":4243,"ppid":4000,"comm":"worker","child_pid":4242,"parent_pid":4000}"#
                + "\n")
    }

    @Test("open: flags as names, mode, fd on success; errno name on failure")
    func open() throws {
        let ok = try object(
            event(
                .file,
                .open(
                    FileOpen(
                        path: CapturedString("/tmp/x"), flags: 0o1101, mode: 0o644, result: SyscallResult(3),
                        directoryFD: -100))))
        #expect(ok["path"] as? String == "/tmp/x")
        #expect(ok["flags"] as? [String] == ["O_WRONLY", "O_CREAT", "O_TRUNC"])
        #expect(ok["mode"] as? Int == 0o644)
        #expect(ok["dirfd"] as? Int == -100)
        #expect(ok["result"] as? Int == 3)
        #expect(ok["fd"] as? Int == 3)
        #expect(ok["errno"] == nil)
        let failed = try object(
            event(
                .file,
                .open(FileOpen(path: CapturedString("/nope"), flags: 0o2000000, mode: nil, result: SyscallResult(-2)))))
        #expect(failed["flags"] as? [String] == ["O_RDONLY", "O_CLOEXEC"])
        #expect(failed["result"] as? Int == -2)
        #expect(failed["errno"] as? String == "ENOENT")
        #expect(failed["fd"] == nil)
        #expect(failed["mode"] == nil)
    }

    @Test("absolute paths: the path, its source and each flag only when set; the working directory without a source")
    func absolutePaths() throws {
        let open = try object(
            event(
                .file,
                .open(
                    FileOpen(
                        path: CapturedString("x"), flags: 0, mode: nil, result: SyscallResult(-2), directoryFD: 4,
                        absolutePath: ResolvedPath("/gone/x", source: .directoryFD, deleted: true)))))
        #expect(open["abs_path"] as? String == "/gone/x")
        #expect(open["abs_path_source"] as? String == "dirfd")
        #expect(open["abs_path_deleted"] as? Bool == true)
        #expect(open["abs_path_truncated"] == nil && open["abs_path_outside_root"] == nil)
        let unwalkable = try object(
            event(
                .file,
                .unlink(
                    PathOperation(
                        path: CapturedString("x"), result: SyscallResult(-9), directoryFD: 99,
                        absolutePath: ResolvedPath("", source: .directoryFD, unwalkable: true)))))
        #expect(unwalkable["abs_path"] == nil)
        #expect(unwalkable["abs_path_unwalkable"] as? Bool == true)
        #expect(unwalkable["dirfd"] as? Int == 99)
        let exec = try object(
            event(
                .process,
                .exec(
                    Exec(
                        path: "./t", argv: ["t"], argvTruncated: false, result: SyscallResult(0),
                        absolutePath: ResolvedPath("/opt/t", source: .file),
                        workingDirectory: ResolvedPath("/opt", source: .workingDirectory)))))
        #expect(exec["cwd"] as? String == "/opt")
        #expect(exec["cwd_source"] == nil)
        #expect(exec["abs_path_source"] as? String == "file")
        let rename = try object(
            event(
                .file,
                .rename(
                    Rename(
                        path: "a", newPath: "b", result: SyscallResult(0), directoryFD: 3, newDirectoryFD: 4,
                        absolutePath: ResolvedPath("/x/a", source: .directoryFD),
                        newAbsolutePath: ResolvedPath("/y/b", source: .directoryFD)))))
        #expect(rename["new_abs_path"] as? String == "/y/b")
        #expect(rename["new_dirfd"] as? Int == 4)
        let accept = try object(
            event(.network, .accept(SocketOperation(fd: 3, address: .notRequested, result: SyscallResult(5)))))
        #expect(accept["family"] as? String == "none")
        #expect(accept["address_requested"] as? Bool == false)
        #expect(accept["address_unreadable"] == nil)
    }

    @Test("open flag names, table-driven, including the composite O_SYNC and O_TMPFILE and unknown bits")
    func flagNames() {
        let table: [(Int32, [String])] = [
            (0, ["O_RDONLY"]),
            (0o2, ["O_RDWR"]),
            (0o4000 | 0o2000000, ["O_RDONLY", "O_NONBLOCK", "O_CLOEXEC"]),
            (0o4010001, ["O_WRONLY", "O_SYNC"]),
            (0o10001, ["O_WRONLY", "O_DSYNC"]),
            (0o20200002, ["O_RDWR", "O_TMPFILE"]),
            (0o200000, ["O_RDONLY", "O_DIRECTORY"]),
            (0o302, ["O_RDWR", "O_CREAT", "O_EXCL"]),
            (Int32(bitPattern: 0x8000_0000), ["O_RDONLY", "0x80000000"]),
        ]
        for (flags, names) in table { #expect(OpenFlags.names(of: flags) == names, "flags \(String(flags, radix: 8))") }
    }

    @Test("exec: path, argv, argv_truncated, result; truncated and unreadable flags only when set")
    func exec() throws {
        let o = try object(
            event(
                .process,
                .exec(
                    Exec(
                        path: CapturedString("/bin/cat", truncated: true), argv: ["cat", "f"], argvTruncated: true,
                        result: SyscallResult(0)))))
        #expect(o["path"] as? String == "/bin/cat")
        #expect(o["path_truncated"] as? Bool == true)
        #expect(o["path_unreadable"] == nil)
        #expect(o["argv"] as? [String] == ["cat", "f"])
        #expect(o["argv_truncated"] as? Bool == true)
        #expect(o["result"] as? Int == 0)
        let failed = try object(
            event(
                .process,
                .exec(
                    Exec(
                        path: CapturedString("", unreadable: true), argv: [], argvTruncated: false,
                        result: SyscallResult(-13)))))
        #expect(failed["path_unreadable"] as? Bool == true)
        #expect(failed["errno"] as? String == "EACCES")
    }

    @Test("invalid UTF-8 in a path, a new_path and comm gets a sibling _b64 with the exact bytes")
    func invalidUTF8() throws {
        let bad = ByteString(bytes: [0x2F, 0x74, 0xFF, 0x0A])
        let o = try object(
            event(
                .file,
                .rename(Rename(path: CapturedString(bad), newPath: CapturedString("/ok"), result: SyscallResult(-18))),
                comm: ByteString(bytes: [0x63, 0xC3])))
        #expect(o["path"] as? String == "/t\u{FFFD}\n")
        #expect(o["path_b64"] as? String == "L3T/Cg==")
        #expect(Data(base64Encoded: o["path_b64"] as! String).map { [UInt8]($0) } == bad.bytes)
        #expect(o["new_path"] as? String == "/ok")
        #expect(o["new_path_b64"] == nil)
        #expect(o["comm_b64"] as? String == "Y8M=")
        #expect(o["errno"] as? String == "EXDEV")
    }

    @Test("network kinds: inet, inet6 and unix addresses, EINPROGRESS by name, listen")
    func network() throws {
        let v4 = try object(
            event(
                .network,
                .connect(
                    SocketOperation(
                        fd: 5, address: .ipv4(address: "127.0.0.1", port: 8080), result: SyscallResult(-115)))))
        #expect(v4["family"] as? String == "inet")
        #expect(v4["address"] as? String == "127.0.0.1")
        #expect(v4["port"] as? Int == 8080)
        #expect(v4["errno"] as? String == "EINPROGRESS")
        let v6 = try object(
            event(
                .network,
                .accept(SocketOperation(fd: 3, address: .ipv6(address: "::1", port: 40000), result: SyscallResult(7)))))
        #expect(v6["family"] as? String == "inet6")
        #expect(v6["result"] as? Int == 7)
        let unix = try object(
            event(
                .network,
                .bind(
                    SocketOperation(
                        fd: 4, address: .unix(path: CapturedString("/run/x.sock"), abstract: false),
                        result: SyscallResult(0)))))
        #expect(unix["family"] as? String == "unix")
        #expect(unix["path"] as? String == "/run/x.sock")
        #expect(unix["abstract"] as? Bool == false)
        let listen = try object(event(.network, .listen(Listen(fd: 4, backlog: 128, result: SyscallResult(0)))))
        #expect(listen["backlog"] as? Int == 128)
    }

    @Test("samples omit absent rates; profiles carry every RunProfile field")
    func sampleAndProfile() throws {
        let sample = PerfSample(
            processes: [
                .init(processID: 1, name: "a", cpuPercent: 99.5, rssBytes: 4096),
                .init(
                    processID: 2, name: "b", cpuPercent: 0, rssBytes: 8192, diskReadBytesPerSecond: 0,
                    diskWrittenBytesPerSecond: 1e6),
            ], processCount: 2, totalCPUPercent: 99.5, totalRSSBytes: 12288, totalDiskReadBytesPerSecond: 0,
            totalDiskWrittenBytesPerSecond: 1e6)
        let s = try object(event(.lifecycle, .sample(sample)))
        let processes = try #require(s["processes"] as? [[String: Any]])
        #expect(Set(processes[0].keys) == ["pid", "name", "cpu_pct", "rss_bytes"])
        #expect(processes[1]["disk_written_bytes_per_sec"] as? Double == 1e6)
        #expect(s["total_rss_bytes"] as? Int == 12288)
        #expect(s["cgroup_totals"] == nil)
        let profile = RunProfile(status: .signaled(signal: 6, coreDumped: true), wallNanoseconds: 0, lostKernel: 3)
        let p = try object(event(.lifecycle, .profile(profile)))
        #expect(p["exit_code"] as? Int == -6)
        #expect(p["signal"] as? Int == 6)
        #expect(p["core_dumped"] as? Bool == true)
        #expect(p["avg_cpu"] is NSNull)
        #expect(p["lost_kernel"] as? Int == 3)
    }

    @Test("a contained run's sample carries cgroup_totals, with its optional counters only when read")
    func sampleCgroupTotals() throws {
        func encoded(_ totals: CgroupTotals) throws -> [String: Any] {
            let sample = PerfSample(
                processes: [], processCount: 0, totalCPUPercent: 0, totalRSSBytes: 0, totalDiskReadBytesPerSecond: nil,
                totalDiskWrittenBytesPerSecond: nil, cgroup: totals)
            return try #require(try object(event(.lifecycle, .sample(sample)))["cgroup_totals"] as? [String: Any])
        }
        let bare = try encoded(
            CgroupTotals(
                cpuNanoseconds: 7_708_000, userCPUNanoseconds: 0, systemCPUNanoseconds: 7_708_000, cpuPercent: 12.5))
        #expect(Set(bare.keys) == ["cpu_ns", "user_cpu_ns", "system_cpu_ns", "cpu_pct"])
        #expect(bare["cpu_ns"] as? Int == 7_708_000)
        #expect(bare["system_cpu_ns"] as? Int == 7_708_000)
        #expect(bare["cpu_pct"] as? Double == 12.5)
        let full = try encoded(
            CgroupTotals(
                cpuNanoseconds: 3, userCPUNanoseconds: 2, systemCPUNanoseconds: 1, cpuPercent: 0, memoryBytes: 4096,
                taskCount: 5, diskReadBytes: 6, diskWrittenBytes: 7))
        #expect(full["memory_bytes"] as? Int == 4096)
        #expect(full["task_count"] as? Int == 5)
        #expect(full["disk_read_bytes"] as? Int == 6)
        #expect(full["disk_written_bytes"] as? Int == 7)
    }

    @Test("every kind, kernel kinds included, validates against Docs/events.schema.json")
    func everyKindValidates() throws {
        let path = CapturedString("/tmp/f")
        let kinds: [(EventCategory, EventKind)] = [
            (.lifecycle, .started(Started(argv: ["a", ByteString(bytes: [0xFF])], path: "/bin/a"))),
            (.lifecycle, .exited(.exited(code: 0))),
            (.lifecycle, .lost(Lost(count: 5, source: .kernel))),
            (
                .lifecycle,
                .sample(
                    PerfSample(
                        processes: [], processCount: 0, totalCPUPercent: 0, totalRSSBytes: 0,
                        totalDiskReadBytesPerSecond: nil, totalDiskWrittenBytesPerSecond: nil))
            ),
            (
                .lifecycle,
                .sample(
                    PerfSample(
                        processes: [], processCount: 0, totalCPUPercent: 0, totalRSSBytes: 0,
                        totalDiskReadBytesPerSecond: nil, totalDiskWrittenBytesPerSecond: nil,
                        cgroup: CgroupTotals(
                            cpuNanoseconds: 3, userCPUNanoseconds: 2, systemCPUNanoseconds: 1, cpuPercent: 0.5,
                            memoryBytes: 4096, taskCount: 5, diskReadBytes: 6, diskWrittenBytes: 7)))
            ),
            (.lifecycle, .profile(RunProfile(status: .exited(code: 1), wallNanoseconds: 10))),
            (.process, .fork(Fork(childProcessID: 2, parentProcessID: 1))),
            (.process, .exec(Exec(path: path, argv: ["x"], argvTruncated: false, result: SyscallResult(-2)))),
            (.process, .exit(.signaled(signal: 9, coreDumped: false))),
            (.file, .open(FileOpen(path: path, flags: 0o100, mode: 0o600, result: SyscallResult(4)))),
            (.file, .unlink(PathOperation(path: path, result: SyscallResult(0)))),
            (.file, .rmdir(PathOperation(path: path, result: SyscallResult(-39)))),
            (.file, .mkdir(PathOperation(path: path, mode: 0o755, result: SyscallResult(0)))),
            (
                .file,
                .rename(
                    Rename(path: path, newPath: CapturedString(ByteString(bytes: [0xC0])), result: SyscallResult(0)))
            ),
            (
                .network,
                .connect(
                    SocketOperation(
                        fd: 3, address: .unix(path: CapturedString("\0abs"), abstract: true),
                        result: SyscallResult(-111)))
            ),
            (.network, .accept(SocketOperation(fd: 3, address: .other(family: 16), result: SyscallResult(5)))),
            (.network, .bind(SocketOperation(fd: 3, address: .unreadable, result: SyscallResult(-14)))),
            (.network, .listen(Listen(fd: 3, backlog: 5, result: SyscallResult(0)))),
            (.network, .accept(SocketOperation(fd: 3, address: .notRequested, result: SyscallResult(6)))),
            (
                .network,
                .bind(
                    SocketOperation(
                        fd: 3, address: .unix(path: CapturedString("s"), abstract: false), result: SyscallResult(0),
                        absolutePath: ResolvedPath("/run/s", source: .workingDirectory)))
            ),
            (
                .process,
                .exec(
                    Exec(
                        path: "", argv: ["x"], argvTruncated: false, result: SyscallResult(0), directoryFD: 3,
                        absolutePath: ResolvedPath("/usr/bin/true", source: .file),
                        workingDirectory: ResolvedPath("/gone", source: .workingDirectory, deleted: true)))
            ),
            (
                .file,
                .open(
                    FileOpen(
                        path: path, flags: 0, mode: nil, result: SyscallResult(3), directoryFD: 5,
                        absolutePath: ResolvedPath("d/f", source: .file, truncated: true)))
            ),
            (
                .file,
                .chdir(
                    ChangeDirectory(
                        path: "sub", fd: nil, absolutePath: ResolvedPath("/w/sub", source: .file),
                        result: SyscallResult(0)))
            ),
            (
                .file,
                .fchdir(
                    ChangeDirectory(
                        path: nil, fd: 9, absolutePath: ResolvedPath("", source: .file, unwalkable: true),
                        result: SyscallResult(-9)))
            ),
            (
                .file,
                .link(
                    Link(
                        path: "a", newPath: "b", directoryFD: 3, newDirectoryFD: -100, flags: 0x400,
                        absolutePath: ResolvedPath("/d/a", source: .directoryFD),
                        newAbsolutePath: ResolvedPath("/w/b", source: .workingDirectory, outsideRoot: true),
                        result: SyscallResult(0)))
            ),
            (
                .file,
                .symlink(
                    Symlink(
                        path: "ln", target: "../t", directoryFD: nil,
                        absolutePath: ResolvedPath("/w/ln", source: .workingDirectory), result: SyscallResult(-17)))
            ),
            (
                .process,
                .syscalls(
                    SyscallSummary(
                        syscalls: [
                            SyscallCount(
                                name: "openat", number: 257, calls: 12, errors: 7, errnos: ["ENOENT": 6, "other": 1],
                                totalNs: 32_000, minNs: 900, maxNs: 9_000,
                                histogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 3, 0, 1]
                            ),
                            SyscallCount(
                                name: "getpid", number: 39, calls: 105, totalNs: 30_000, minNs: 0, maxNs: 2_000,
                                histogram: [3, 0, 0, 0, 0, 0, 0, 0, 80, 22]),
                        ], dropped: 2)
                )
            ),
        ]
        var bytes: [UInt8] = []
        // Issue 18's kinds (1.6): closes, dns, peer names, an exit's io; each optional member set and not.
        for (category, kind) in kinds + IOEventFixtures.kinds { EventJSON.append(event(category, kind), to: &bytes) }
        #expect(try ObsctlRunner.schemaErrors(bytes) == "")
        // The schema is strict: a kind in the wrong category or an unknown member is rejected.
        var wrong: [UInt8] = []
        EventJSON.append(event(.file, .fork(Fork(childProcessID: 2, parentProcessID: 1))), to: &wrong)
        #expect(try ObsctlRunner.schemaErrors(wrong).contains("'process' was expected"))
        // A close is a file's or a socket's: in another category it is rejected, and a file's
        // close does not take a socket's members.
        var misplaced: [UInt8] = []
        EventJSON.append(event(.process, IOEventFixtures.kinds[0].1), to: &misplaced)
        #expect(try ObsctlRunner.schemaErrors(misplaced).contains("'process' is not one of ['file', 'network']"))
        var crossed: [UInt8] = []
        EventJSON.append(event(.file, IOEventFixtures.kinds[4].1), to: &crossed)
        #expect(try ObsctlRunner.schemaErrors(crossed).contains("were unexpected"))
    }

    @Test(
        "capabilities JSON: one object per category in order, then sampling and containment; missing and remedy as given, escaped"
    )
    func capabilities() throws {
        // Made-up values (the fields are public), so every member's encoding is known exactly.
        var capabilities = ObserverCapabilities.negotiate()
        capabilities.categories = [
            CategoryCapability(category: .lifecycle, support: .supported, backend: "portable-lifecycle", reason: "r1"),
            CategoryCapability(
                category: .file, support: .partial, backend: "ebpf", reason: "no \"openat2\"",
                missing: ["open", "mkdir"]),
            CategoryCapability(
                category: .network, support: .unavailable, backend: "ebpf", reason: "r3", remedy: "Run as root"),
        ]
        capabilities.sampling.support = .unavailable
        capabilities.sampling.backend = "procfs"
        capabilities.sampling.reason = "no /proc"
        capabilities.sampling.remedy = nil
        capabilities.containment = ContainmentCapability(
            support: .partial, backend: "process-group", reason: "no cgroup", remedy: "Delegate")
        #expect(
            CapabilitiesJSON.array(capabilities)
                == #"[{"category":"lifecycle","support":"supported","backend":"portable-lifecycle","reason":"r1","missing":[],"remedy":null},"#
                + #"{"category":"file","support":"partial","backend":"ebpf","reason":"no \"openat2\"","missing":["open","mkdir"],"remedy":null},"#
                + #"{"category":"network","support":"unavailable","backend":"ebpf","reason":"r3","missing":[],"remedy":"Run as root"},"#
                + #"{"category":"sampling","support":"unavailable","backend":"procfs","reason":"no /proc","missing":[],"remedy":null},"#
                + #"{"category":"containment","support":"partial","backend":"process-group","reason":"no cgroup","missing":[],"remedy":"Delegate"}]"#
        )
    }
}
