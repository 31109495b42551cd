import Foundation
import ObserverTestSupport

@testable import ProcessObserver

/// Events of every kind, with every optional member both set and left out, built as values: what
/// the round-trip tests write with the real writer (`EventJSON`) and read back with
/// `RunRecording`. A member added to the writer belongs here too, set, so that a reader that
/// misses it fails the round trip.
enum RecordingFixtures {
    static let clock = ClockBase(monotonicNs: 1_000_000_000, wallNs: 1_700_000_000_000_000_000)

    static let header = RecordingHeader(
        schema: RecordingHeader.currentSchema, writer: "obsctl", writerVersion: "0.9.0", hostName: "build-7",
        kernelRelease: "6.1.0-test", bootID: "172301f0-a8e9-4d89-ad74-449b194389b4", clockBase: clock,
        capabilities: [
            .init(category: "lifecycle", support: .supported, backend: "portable-lifecycle", observed: true),
            .init(category: "network", support: .partial, backend: "ebpf", observed: true, missing: ["accept"]),
            .init(category: "file", support: .unavailable, backend: "ebpf", observed: false),
        ], processID: 4242, argv: ["make", "-j2", ByteString(bytes: [0x66, 0xFF])],
        workingDirectory: ByteString(bytes: [0x2F, 0x74, 0xC3]), attached: false)

    static func event(
        _ seq: UInt64, _ category: EventCategory, _ kind: EventKind, pid: Int32 = 4242, tid: Int32? = 4243,
        ppid: Int32? = 4000, comm: ByteString? = "worker", cgroup: UInt64? = nil
    ) -> ObserverEvent {
        let ts = clock.monotonicNs + seq * 1_000_123
        var e = ObserverEvent(
            seq: seq, timestampNs: ts, wallClockNs: clock.wallClock(forMonotonic: ts), category: category,
            processID: pid, threadID: tid, parentProcessID: ppid, command: comm, kind: kind)
        e.cgroupID = cgroup
        if cgroup != nil { e.recordedCgroupPath = .some("/obs.1.2/run.3") }
        return e
    }

    static let hostile = ByteString(bytes: [0x66, 0xFF, 0xFE, 0x0A, 0xC3, 0x28, 0x22, 0x5C])

    /// One or more events of every kind `EventKind` has.
    static let everyKind: [ObserverEvent] =
        [
            event(
                1, .lifecycle, .started(Started(argv: ["sh", "-c", "true"], path: "/usr/bin/sh")), tid: nil, comm: nil),
            event(2, .lifecycle, .started(Started(argv: ["x", hostile], path: hostile)), tid: nil, comm: nil),
            event(3, .process, .fork(Fork(childProcessID: 4244, parentProcessID: 4242)), pid: 4244, cgroup: 77),
            event(
                4, .process,
                .exec(
                    Exec(
                        path: CapturedString("/bin/cc"), argv: ["cc", "-c", "a.c"], argvTruncated: false,
                        result: SyscallResult(0))), comm: hostile, cgroup: 77),
            event(
                5, .process,
                .exec(
                    Exec(
                        path: CapturedString(hostile, truncated: true), argv: [hostile], argvTruncated: true,
                        result: SyscallResult(-2)))),
            event(
                6, .process,
                .exec(
                    Exec(
                        path: CapturedString("", unreadable: true), argv: [], argvTruncated: false,
                        result: SyscallResult(-14)))),
            event(
                7, .file,
                .open(
                    FileOpen(
                        path: CapturedString("/tmp/x"), flags: 0o1101, mode: 0o644, result: SyscallResult(3),
                        directoryFD: -100))),
            event(
                8, .file,
                .open(FileOpen(path: CapturedString("/nope"), flags: 0o2000000, mode: nil, result: SyscallResult(-2)))),
            event(
                9, .file,
                .open(
                    FileOpen(
                        path: CapturedString("t"), flags: 0o20200002 | Int32(bitPattern: 0x8000_0000), mode: 0o600,
                        result: SyscallResult(5)))),
            event(10, .file, .unlink(PathOperation(path: CapturedString("/tmp/x"), result: SyscallResult(0)))),
            event(11, .file, .rmdir(PathOperation(path: CapturedString("/tmp/d"), result: SyscallResult(-39)))),
            event(
                12, .file, .mkdir(PathOperation(path: CapturedString("/tmp/d"), mode: 0o755, result: SyscallResult(0)))),
            event(
                13, .file,
                .rename(
                    Rename(
                        path: CapturedString("a"), newPath: CapturedString(hostile, truncated: true, unreadable: false),
                        result: SyscallResult(0)))),
            event(
                14, .network,
                .connect(
                    SocketOperation(
                        fd: 3, address: .ipv4(address: "127.0.0.1", port: 8080), result: SyscallResult(-111)))
            ),
            event(
                15, .network,
                .connect(SocketOperation(fd: 3, address: .ipv6(address: "::1", port: 443), result: SyscallResult(-115)))
            ),
            event(
                16, .network,
                .bind(
                    SocketOperation(
                        fd: 4, address: .unix(path: CapturedString(ByteString(bytes: [0, 0x61])), abstract: true),
                        result: SyscallResult(0)))),
            event(17, .network, .accept(SocketOperation(fd: 4, address: .other(family: 16), result: SyscallResult(6)))),
            event(18, .network, .accept(SocketOperation(fd: 4, address: .unreadable, result: SyscallResult(-11)))),
            event(19, .network, .listen(Listen(fd: 4, backlog: 128, result: SyscallResult(0)))),
            event(
                20, .lifecycle,
                .sample(
                    PerfSample(
                        processes: [
                            .init(processID: 4242, name: "make", cpuPercent: 12.5, rssBytes: 4096),
                            .init(
                                processID: 4244, name: "cc1", cpuPercent: 99.75, rssBytes: 1 << 30,
                                diskReadBytesPerSecond: 1024, diskWrittenBytesPerSecond: 0.5, diskReadBytes: 1 << 20,
                                diskWrittenBytes: 0),
                        ], processCount: 7, totalCPUPercent: 112.25, totalRSSBytes: 1 << 31,
                        totalDiskReadBytesPerSecond: 1024,
                        totalDiskWrittenBytesPerSecond: nil)), tid: nil, ppid: nil, comm: nil),
            event(21, .lifecycle, .lost(Lost(count: 17, source: .kernel)), tid: nil, ppid: nil, comm: nil),
            event(22, .lifecycle, .lost(Lost(count: 1, source: .subscriber)), tid: nil, ppid: nil, comm: nil),
            event(23, .process, .exit(.signaled(signal: 11, coreDumped: true)), pid: 4244),
            event(
                24, .process, .exit(ProcessEnd(.signaled(signal: 9, coreDumped: false), killedByOOM: true)), pid: 4244),
            event(
                25, .lifecycle, .limit(LimitReached(resource: .memory, count: 2, limit: 64 << 20)), tid: nil, comm: nil),
            event(26, .lifecycle, .limit(LimitReached(resource: .pids, count: 9, limit: 32)), tid: nil, comm: nil),
            event(27, .lifecycle, .exited(.exited(code: 2)), tid: nil, ppid: nil, comm: nil),
            event(28, .lifecycle, .profile(profile(contained: true)), tid: nil, ppid: nil, comm: nil),
            // Absolute paths (every source and flag) and the kinds that came with them.
            event(
                29, .process,
                .exec(
                    Exec(
                        path: "", argv: ["true"], argvTruncated: false, result: SyscallResult(0), directoryFD: 3,
                        absolutePath: ResolvedPath("/usr/bin/true", source: .file),
                        workingDirectory: ResolvedPath(hostile, source: .workingDirectory, deleted: true)))),
            event(
                30, .file,
                .open(
                    FileOpen(
                        path: "f", flags: 0, mode: nil, result: SyscallResult(-2), directoryFD: 5,
                        absolutePath: ResolvedPath("d/f", source: .directoryFD, truncated: true)))),
            event(
                31, .file,
                .unlink(
                    PathOperation(
                        path: "x", result: SyscallResult(-9), directoryFD: 99,
                        absolutePath: ResolvedPath("", source: .directoryFD, unwalkable: true)))),
            event(
                32, .file,
                .rename(
                    Rename(
                        path: "a", newPath: "/b", result: SyscallResult(0), directoryFD: -100, newDirectoryFD: 4,
                        absolutePath: ResolvedPath("/w/a", source: .workingDirectory),
                        newAbsolutePath: ResolvedPath("/b", source: .asPassed, outsideRoot: true)))),
            event(
                33, .file,
                .chdir(
                    ChangeDirectory(
                        path: "sub", fd: nil, absolutePath: ResolvedPath("/w/sub", source: .file),
                        result: SyscallResult(0)))),
            event(
                34, .file,
                .fchdir(ChangeDirectory(path: nil, fd: 7, absolutePath: nil, result: SyscallResult(-9)))),
            event(
                35, .file,
                .link(
                    Link(
                        path: "f", newPath: "g", directoryFD: 3, newDirectoryFD: -100, flags: 0x1400,
                        absolutePath: ResolvedPath("/d/f", source: .directoryFD),
                        newAbsolutePath: ResolvedPath("/w/g", source: .workingDirectory), result: SyscallResult(0)))),
            event(
                36, .file,
                .symlink(
                    Symlink(
                        path: "ln", target: CapturedString(hostile, truncated: true), directoryFD: nil,
                        absolutePath: ResolvedPath("/w/ln", source: .workingDirectory), result: SyscallResult(-17)))),
            event(
                37, .network,
                .bind(
                    SocketOperation(
                        fd: 4, address: .unix(path: "s.sock", abstract: false), result: SyscallResult(0),
                        absolutePath: ResolvedPath("/run/s.sock", source: .workingDirectory)))),
            event(38, .network, .accept(SocketOperation(fd: 4, address: .notRequested, result: SyscallResult(8)))),
            event(39, .lifecycle, .lost(Lost(count: 12, source: .exporter)), tid: nil, ppid: nil, comm: nil),
            event(40, .lifecycle, .profile(exported(profile(contained: false))), tid: nil, ppid: nil, comm: nil),
            // A contained run's samples: the cgroup's totals with every optional member, then with none.
            event(
                41, .lifecycle,
                .sample(
                    PerfSample(
                        processes: [.init(processID: 4242, name: "make", cpuPercent: 50, rssBytes: 8192)],
                        processCount: 1,
                        totalCPUPercent: 50, totalRSSBytes: 8192, totalDiskReadBytesPerSecond: nil,
                        totalDiskWrittenBytesPerSecond: nil,
                        cgroup: CgroupTotals(
                            cpuNanoseconds: 612_345_000, userCPUNanoseconds: 600_001_000,
                            systemCPUNanoseconds: 12_344_000,
                            cpuPercent: 98.25, memoryBytes: 5 << 20, taskCount: 3, diskReadBytes: 1 << 40,
                            diskWrittenBytes: 0))), tid: nil, ppid: nil, comm: nil),
            event(
                42, .lifecycle,
                .sample(
                    PerfSample(
                        processes: [], processCount: 0, totalCPUPercent: 0, totalRSSBytes: 0,
                        totalDiskReadBytesPerSecond: nil, totalDiskWrittenBytesPerSecond: nil,
                        cgroup: CgroupTotals(
                            cpuNanoseconds: 7_708_000, userCPUNanoseconds: 0, systemCPUNanoseconds: 7_708_000,
                            cpuPercent: 0.125))), tid: nil, ppid: nil, comm: nil),
            // Peak RSS on exit (1.2): both figures (an exec'd copy of a large parent), the group's only.
            event(
                43, .process,
                .exit(ProcessEnd(.exited(code: 0), peakRSSBytes: 308_297_728, imagePeakRSSBytes: 11_665_408)),
                pid: 4244),
            event(44, .process, .exit(ProcessEnd(.exited(code: 1), peakRSSBytes: 1 << 40)), pid: 4244),
            // The syscall summary (1.4): errnos past the kernel's slots under "other", one with none.
            event(
                45, .process,
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
                        ], dropped: 2)), pid: 4244),
            event(46, .process, .syscalls(SyscallSummary(syscalls: [])), pid: 4242),
        ]
        // Issue 18 (1.6): closes with their byte counts, DNS, peer names, an exit's I/O totals.
        + IOEventFixtures.kinds.enumerated().map { i, pair in event(47 + UInt64(i), pair.0, pair.1, pid: 4244) }

    static func exported(_ p: RunProfile) -> RunProfile {
        var p = p
        p.lostExporter = 12
        return p
    }

    static func profile(contained: Bool) -> RunProfile {
        var p = RunProfile(
            status: .signaled(signal: 9, coreDumped: false), timedOut: true, wallNanoseconds: 2_089_728,
            userCPUNanoseconds: 1_589_000, systemCPUNanoseconds: 3, peakRSSBytes: 21_868_544, minorFaults: 100,
            majorFaults: 1, voluntaryContextSwitches: 2, involuntaryContextSwitches: 4, sampleCount: 1,
            lostSubscriber: 1, lostKernel: 17, containment: contained ? "cgroup2" : nil,
            treeWallNanoseconds: contained ? 15_361_585 : nil)
        if contained {
            var tree = TreeUsage()
            tree.userCPUNanoseconds = 5
            tree.systemCPUNanoseconds = 6
            tree.peakMemoryBytes = 1 << 20
            tree.peakProcesses = nil
            p.tree = tree
            p.killedByOOM = true
        }
        return p
    }

    /// The recording the real writer makes of `header` (when given) and `events`.
    static func bytes(header: RecordingHeader? = RecordingFixtures.header, _ events: [ObserverEvent]) -> [UInt8] {
        var out: [UInt8] = header.map { Array(EventJSON.headerLine($0).utf8) } ?? []
        for event in events { EventJSON.append(event, to: &out) }
        return out
    }

    /// Writes `bytes` to a new temporary file and returns its path.
    static func file(_ bytes: [UInt8], name: String = "recording") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "obs-\(name)-\(getpid())-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Every event of the recording at `path`, and the reader (for its header and coverage).
    static func read(_ path: String) throws -> (RunRecording, [ObserverEvent]) {
        let recording = try RunRecording.open(path)
        var events: [ObserverEvent] = []
        while let e = try recording.next() { events.append(e) }
        return (recording, events)
    }
}
