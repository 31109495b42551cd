#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The ftrace contender of the workload rows (issue 23): the events obsctl observes, streamed
/// from a private tracefs instance to nowhere, with no trace-cmd.
///
/// One run: a fresh instance `instances/obsbench-<pid>` with tracing off, `options/event-fork`
/// on, and the events obsctl's programs correspond to enabled (`sched:sched_process_{fork,exec,exit}`
/// and `syscalls:sys_{enter,exit}_*` of the syscalls in `ObservedSyscall.all`); a reader
/// (`Workloads/tracepipe.c`) blocked on its `trace_pipe`; the command started by
/// `sh -c 'echo $$ > set_event_pid; echo 1 > tracing_on; exec "$@"'`, so only its tree is
/// recorded. Once the command is reaped a marker goes to `trace_marker`, and the reader stops at
/// it, having read every event before it. The instance is removed afterwards, also on failure.
final class FtraceStream {
    /// The tracefs mount, or nil with `problem` saying why the row is unavailable.
    let root: String?
    let problem: String?
    /// Set when a run failed: the remaining rounds skip the contender, and the table says why.
    var failure: String?
    /// Whether this object mounted tracefs (and so unmounts it at the end).
    private let mountedHere: Bool
    private let reader: String

    /// The syscalls obsctl observes, by name: the list in
    /// `Sources/ProcessObserver/Kernel/Loading/ObservedSyscall.swift` (internal to the library),
    /// kept in step by hand. Names without a tracepoint on this kernel or architecture are skipped.
    static let observedSyscalls = [
        "open", "openat", "openat2", "creat", "unlink", "unlinkat", "rmdir", "mkdir", "mkdirat", "rename",
        "renameat", "renameat2", "chdir", "fchdir", "link", "linkat", "symlink", "symlinkat", "execve",
        "execveat", "connect", "accept", "accept4", "bind", "listen",
    ]
    static let schedEvents = ["sched_process_fork", "sched_process_exec", "sched_process_exit"]
    static let mountPoint = "/sys/kernel/tracing"

    /// What one streamed run did.
    struct Run {
        /// From before the instance is made to after it is removed: what the row times.
        var totalNs: UInt64
        /// The wrapped command alone, from its spawn to its reap.
        var command: Launcher.Outcome
        /// Lines (events) and bytes the reader took from `trace_pipe`.
        var lines: Int
        var bytes: Int
        /// Events the ring buffer overwrote or dropped before the reader got them (`per_cpu/*/stats`).
        var lost: Int
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(reader: String) {
        self.reader = reader
        if access(Self.mountPoint + "/instances", F_OK) == 0 {
            root = Self.mountPoint
            problem = nil
            mountedHere = false
        } else if mount("nodev", Self.mountPoint, "tracefs", 0, nil) == 0 {
            root = Self.mountPoint
            problem = nil
            mountedHere = true
        } else {
            let reason = String(cString: strerror(errno))
            root = nil
            problem =
                "tracefs is not mounted and mount(\"tracefs\", \(Self.mountPoint)) failed: \(reason); run as root on a kernel with CONFIG_TRACING"
            mountedHere = false
        }
        if let root { Self.removeStaleInstances(root) }
    }

    /// Unmounts tracefs only if this object mounted it.
    func unmountIfMounted() {
        if mountedHere { umount2(Self.mountPoint, 0) }
    }

    /// The events this contender enables, as paths under an instance's `events/`; only those this
    /// kernel has.
    func events(in instance: String) -> [String] {
        let sched = Self.schedEvents.map { "sched/\($0)" }
        let syscalls = Self.observedSyscalls.flatMap { ["syscalls/sys_enter_\($0)", "syscalls/sys_exit_\($0)"] }
        return (sched + syscalls).filter { access("\(instance)/events/\($0)/enable", W_OK) == 0 }
    }

    /// Streams `argv`'s events while it runs; the row's time includes making and removing the instance.
    /// `only` replaces obsctl's events (paths under `events/`), for counting something else.
    /// `bufferKiB` sets the instance's per-CPU buffer (`buffer_size_kb`) instead of the default.
    func run(_ argv: [String], only: [String]? = nil, bufferKiB: Int? = nil) throws -> Run {
        guard let root else { throw Failure(description: problem ?? "tracefs unavailable") }
        let start = monotonicNs()
        let instance = "\(root)/instances/obsbench-\(getpid())"
        guard mkdir(instance, 0o755) == 0 else {
            throw Failure(description: "mkdir \(instance) failed: \(String(cString: strerror(errno)))")
        }
        var readerPid: pid_t = 0
        defer {
            if readerPid > 0 {
                kill(readerPid, SIGKILL)
                _ = Launcher.reap(readerPid)
            }
            rmdir(instance)
        }
        try Self.writeFile("\(instance)/tracing_on", "0")
        try Self.writeFile("\(instance)/options/event-fork", "1")
        if let bufferKiB { try Self.writeFile("\(instance)/buffer_size_kb", "\(bufferKiB)") }
        let enabled = only ?? events(in: instance)
        guard only != nil || enabled.contains(where: { $0.hasPrefix("syscalls/") }) else {
            throw Failure(
                description: "\(instance)/events/syscalls has none of obsctl's syscalls (CONFIG_FTRACE_SYSCALLS?)")
        }
        for event in enabled { try Self.writeFile("\(instance)/events/\(event)/enable", "1") }
        let marker = "obsbench-end-\(getpid())-\(start)"
        let resultFile = "/tmp/obsbench-tracepipe-\(getpid())"
        unlink(resultFile)
        defer { unlink(resultFile) }
        readerPid = try Launcher.spawn([reader, "\(instance)/trace_pipe", marker, resultFile], stderr: .inherit)
        let wrapper =
            "echo $$ > \(instance)/set_event_pid && echo 1 > \(instance)/tracing_on && exec \"$@\""
        let command = try Launcher.run(["/bin/sh", "-c", wrapper, "sh"] + argv)
        try Self.writeFile("\(instance)/tracing_on", "1")
        try Self.writeFile("\(instance)/trace_marker", marker)
        let status = Self.reap(readerPid, deadlineSeconds: 30)
        readerPid = 0
        guard let status, status == 0, let text = Self.readFile(resultFile) else {
            throw Failure(
                description:
                    "the trace_pipe reader did not finish cleanly (status \(status.map(String.init) ?? "timed out"))")
        }
        let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        let lost = Self.lostEvents(instance)
        rmdir(instance)
        let end = monotonicNs()
        return Run(
            totalNs: end - start, command: command, lines: numbers.first ?? 0, bytes: numbers.dropFirst().first ?? 0,
            lost: lost)
    }

    /// How many syscalls `argv`'s tree makes (`raw_syscalls:sys_enter` lines, the wrapper's few
    /// included), nil when ftrace is unusable or lost events: what tells a syscall program's hits
    /// on the workload from its hits on the rest of the machine.
    func countSyscalls(_ argv: [String]) -> Int? {
        guard problem == nil, let run = try? run(argv, only: ["raw_syscalls/sys_enter"], bufferKiB: 32_768),
            run.lost == 0,
            run.command.exitedCleanly
        else { return nil }
        return run.lines
    }

    /// `overrun` plus `dropped events` over the instance's CPUs: events the reader never saw.
    static func lostEvents(_ instance: String) -> Int {
        var lost = 0
        var cpu = 0
        while let text = readFile("\(instance)/per_cpu/cpu\(cpu)/stats") {
            lost += statsCounter(text, "overrun") + statsCounter(text, "dropped events")
            cpu += 1
        }
        return lost
    }

    /// The number after `name:` in a `per_cpu/cpuN/stats` text, 0 when absent.
    static func statsCounter(_ text: String, _ name: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.dropFirst(name.count + 1).trimmingPrefix(while: { $0 == " " })) ?? 0
        }
        return 0
    }

    /// Removes instances a killed obsbench left behind (`obsbench-<pid>` of a process that is gone).
    static func removeStaleInstances(_ root: String) {
        guard let dir = opendir("\(root)/instances") else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            names.append(name)
        }
        closedir(dir)
        for name in names where name.hasPrefix("obsbench-") {
            guard let pid = Int32(name.dropFirst("obsbench-".count)) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { rmdir("\(root)/instances/\(name)") }
        }
    }

    /// Waits for `pid` up to the deadline; nil when it had to be killed.
    static func reap(_ pid: pid_t, deadlineSeconds: Double) -> Int32? {
        let deadline = monotonicNs() + UInt64(deadlineSeconds * 1e9)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return status }
            if r < 0 && errno != EINTR { return nil }
            if monotonicNs() > deadline {
                kill(pid, SIGKILL)
                _ = Launcher.reap(pid)
                return nil
            }
            usleep(1_000)
        }
    }

    static func writeFile(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw Failure(description: "open \(path) failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw Failure(description: "write \(text) to \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return String(decoding: Launcher.readAll(fd), as: UTF8.self)
    }
}

extension FtraceStream {
    /// What each streamed run read, so that a ratio only counts if events really flowed.
    static func table(_ workloads: [String], _ runs: [String: [(run: Run, bareNs: UInt64)]]) -> ResultTable {
        var table = ResultTable(
            title: "Workloads: events the ftrace stream read per run (median over rounds)",
            columns: [
                ("workload", .left), ("trace lines read", .right), ("MiB read", .right), ("lost (max)", .right),
                ("command s", .right), ("command / bare", .right),
            ])
        for name in workloads {
            guard let list = runs[name], !list.isEmpty else { continue }
            func median(_ f: (Run) -> Double) -> Double { Summary(list.map { f($0.run) }).median }
            table.add([
                name, Format.grouped(Int(median { Double($0.lines) })),
                Format.fixed(median { Double($0.bytes) } / 1_048_576, 1), Format.grouped(list.map(\.run.lost).max()!),
                Format.seconds(median { Double($0.command.wallNs) / 1e9 }),
                Format.ratio(Summary(list.map { Double($0.run.command.wallNs) / Double($0.bareNs) }).median),
            ])
        }
        table.note(
            "one line per event (a sys_enter and a sys_exit line per syscall, one per sched event); lost = the instance's `overrun` + `dropped events` (per_cpu/*/stats); `command s` is the `sh -c` wrapper and the command, from spawn to reap, without the instance's set-up and removal"
        )
        return table
    }
}
