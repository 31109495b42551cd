import Foundation
import ObserverReporting
import ProcessObserver

/// Turns one run's events, in order, into OpenTelemetry signals (`Docs/OTLP.md`):
/// - the run is a trace, with one root span for the run (command, exit status, the run profile);
/// - each process is a span from its fork (the run's start for the root) to its exit, child of
///   its parent process's span; an exec is a span event `process.exec` and renames the span to
///   the new program; the exit status sets the span status;
/// - every other event is a log record with the event's own time, `event_name`, typed
///   attributes, and the trace and span id of its process;
/// - samples are process metrics (`process.cpu.utilization`, `process.memory.usage`, per
///   process, the tree's totals as `obs.tree.*`, and a contained run's cgroup as `obs.cgroup.*`);
/// - each process's syscall summary is its syscall counts and a latency histogram per syscall
///   (`SyscallMetrics`);
/// - byte counts (`close`, an `exit`'s `io`) are the cumulative `process.network.io`,
///   `obs.process.file.io` and `process.disk.io` per process (`OTLPRunMapper+IO`).
///
/// A span is emitted when its process exits (or when the run ends, for one that did not); logs
/// and metric points as their events arrive. `take()` hands over what is ready.
public struct OTLPRunMapper: Sendable {
    /// The span of one process, until it ends.
    struct ProcessSpan: Sendable {
        var spanID: Data
        var parentSpanID: Data
        var processID: Int32
        var parentProcessID: Int32?
        var startNs: UInt64
        var name: String
        var argv: [String] = []
        var executable: String?
        var events: [Span.Event] = []
    }

    /// What is ready to send.
    public struct Batch: Sendable {
        var spans: [Span] = []
        var logs: [LogRecord] = []
        var metrics: [Metric] = []

        public var spanCount: Int { spans.count }
        public var logCount: Int { logs.count }
        public var metricPointCount: Int {
            metrics.reduce(0) { n, m in
                if case .gauge(let g) = m.data { return n + g.dataPoints.count }
                if case .sum(let s) = m.data { return n + s.dataPoints.count }
                if case .histogram(let h) = m.data { return n + h.dataPoints.count }
                return n
            }
        }
        public var isEmpty: Bool { spans.isEmpty && logs.isEmpty && metrics.isEmpty }
    }

    public let traceID: Data
    let runSpanID: Data
    /// Which record each pid names now (`ProcessTracker`, the report's reading of the same events).
    var tracker = ProcessTracker()
    /// The open span of each process record, by its index in `tracker.processes`; a span ends
    /// (and leaves) at its process's exit, and only a pid's current record has one.
    private var spans: [Int: ProcessSpan] = [:]
    var ready = Batch()
    var runStartNs: UInt64?
    /// Each process record's bytes through files and sockets so far (`OTLPRunMapper+IO`).
    var ioSums: [Int: IOSums] = [:]
    private var lastNs: UInt64 = 0
    private var rootProcessID: Int32?
    private var runName = "run"
    private var runAttributes: [KeyValue] = []
    private var runStatus: ExitStatus?
    private var runEnded = false

    public init() {
        traceID = Self.randomID(16)
        runSpanID = Self.randomID(8)
    }

    static func randomID(_ bytes: Int) -> Data {
        var g = SystemRandomNumberGenerator()
        var id = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) })
        if id.allSatisfy({ $0 == 0 }) { id[0] = 1 }  // an all-zero id is invalid in OTLP
        return id
    }

    /// Takes the spans, logs and metric points ready so far.
    public mutating func take() -> Batch {
        defer { ready = Batch() }
        return ready
    }

    /// Ends what is still open at the last time seen: the spans of processes with no exit seen,
    /// and the run's span. Call once, at the end of the stream.
    public mutating func finish() {
        for pid in openProcessIDs() { end(pid, at: lastNs, status: nil) }
        endRun(at: lastNs)
    }

    public mutating func add(_ e: ObserverEvent) {
        let ns = UInt64(max(0, e.wallClockNs))
        lastNs = max(lastNs, ns)
        if runStartNs == nil { runStartNs = ns }
        // A pid forked again ends the span it had, before the tracker moves it to a new record.
        if case .fork(let fork) = e.kind, live(fork.childProcessID) != nil {
            end(fork.childProcessID, at: ns, status: nil)
        }
        tracker.add(e)
        switch e.kind {
        case .started(let started):
            rootProcessID = e.processID
            runStartNs = ns
            let argv = started.argv.map(\.string)
            runName = Self.programName(started.path.string)
            runAttributes = [
                Attribute.strings("process.command_args", argv), Attribute.int("process.pid", e.processID),
                Attribute.string("process.executable.path", started.path.string),
            ]
            var span = open(e.processID, parent: nil, at: ns)
            span.argv = argv
            span.executable = started.path.string
            span.name = runName
            setLive(span)
            log(e, "process.start", ns, [Attribute.strings("process.command_args", argv)])
        case .fork(let fork):
            let parent = live(fork.parentProcessID) ?? open(fork.parentProcessID, parent: nil, at: ns)
            setLive(parent)
            var child = open(fork.childProcessID, parent: fork.parentProcessID, at: ns)
            child.name = parent.name
            child.argv = parent.argv
            child.executable = parent.executable
            setLive(child)
            log(
                e, "process.fork", ns,
                [
                    Attribute.int("process.parent_pid", fork.parentProcessID),
                    Attribute.int("obs.child_pid", fork.childProcessID),
                ])
        case .exec(let exec):
            let executable =
                exec.absolutePath.flatMap { $0.unwalkable ? nil : $0.value.string } ?? exec.path.value.string
            var attributes = [
                Attribute.string("process.executable.path", executable),
                Attribute.string("obs.path", exec.path.value.string),
                Attribute.strings("process.command_args", exec.argv.map(\.string)),
            ]
            attributes += Self.result(exec.result)
            if exec.result.succeeded {
                var span = live(e.processID) ?? open(e.processID, parent: e.parentProcessID, at: ns)
                var event = Span.Event()
                event.timeUnixNano = ns
                event.name = "process.exec"
                event.attributes = attributes
                span.events.append(event)
                span.name = Self.programName(executable)
                span.argv = exec.argv.map(\.string)
                span.executable = executable
                setLive(span)
            }
            log(e, "process.exec", ns, attributes)
        case .exit(let processEnd):
            log(e, "process.exit", ns, Self.exit(processEnd.status, killedByOOM: processEnd.killedByOOM))
            if let io = processEnd.io { addExitIO(io, e, at: ns) }
            end(e.processID, at: ns, status: processEnd.status, peak: Self.peakRSS(processEnd))
        case .exited(let processEnd):
            runStatus = processEnd.status
            log(e, "process.exited", ns, Self.exit(processEnd.status, killedByOOM: processEnd.killedByOOM))
            if live(e.processID) != nil { end(e.processID, at: ns, status: processEnd.status) }
        case .profile(let profile):
            runStatus = runStatus ?? profile.status
            runAttributes += Self.profile(profile)
            for pid in openProcessIDs() { end(pid, at: ns, status: nil) }
            endRun(at: ns)
        case .sample(let sample):
            addSample(sample, at: ns)
        case .syscalls(let summary):
            let span = live(e.processID)
            ready.metrics += SyscallMetrics.metrics(
                summary, processID: e.processID, program: span?.name ?? e.command?.string ?? "?",
                startNs: span?.startNs ?? runStartNs ?? ns, at: ns)
        case .lost(let lost):
            log(
                e, "obs.lost", ns,
                [
                    Attribute.int("obs.lost.count", lost.count),
                    Attribute.string("obs.lost.source", lost.source.rawValue),
                ])
        case .limit(let limit):
            log(
                e, "obs.limit", ns,
                [
                    Attribute.string("obs.limit.resource", limit.resource.rawValue),
                    Attribute.int("obs.limit.count", limit.count), Attribute.int("obs.limit.value", limit.limit),
                ])
        case .open(let o):
            var attributes = Self.path(o.path, o.absolutePath)
            attributes.append(Attribute.strings("obs.open.flags", OpenFlags.names(of: o.flags)))
            log(e, "file.open", ns, attributes + Self.result(o.result))
        case .unlink(let o), .rmdir(let o), .mkdir(let o):
            log(
                e, "file.\(e.kind.name)", ns, Self.path(o.path, o.absolutePath) + Self.result(o.result))
        case .rename(let r):
            log(
                e, "file.rename", ns,
                Self.path(r.path, r.absolutePath) + Self.path(r.newPath, r.newAbsolutePath, new: true)
                    + Self.result(r.result))
        case .chdir(let c), .fchdir(let c):
            var attributes = c.path.map { Self.path($0, c.absolutePath) } ?? []
            if c.path == nil, let a = c.absolutePath, !a.unwalkable {
                attributes.append(Attribute.string("file.path", a.value.string))
            }
            if let fd = c.fd { attributes.append(Attribute.int("obs.fd", fd)) }
            log(e, "file.\(e.kind.name)", ns, attributes + Self.result(c.result))
        case .link(let l):
            log(
                e, "file.link", ns,
                Self.path(l.path, l.absolutePath) + Self.path(l.newPath, l.newAbsolutePath, new: true)
                    + Self.result(l.result))
        case .symlink(let l):
            log(
                e, "file.symlink", ns,
                Self.path(l.path, l.absolutePath) + [Attribute.string("obs.symlink.target", l.target.value.string)]
                    + Self.result(l.result))
        case .connect(let s), .accept(let s), .bind(let s):
            log(
                e, "network.\(e.kind.name)", ns,
                Self.address(s) + [Attribute.int("obs.fd", s.fd)] + Self.result(s.result)
                    + (s.peerName.map { [Attribute.string("obs.peer_name", $0)] } ?? []))
        case .listen(let l):
            log(
                e, "network.listen", ns,
                [Attribute.int("obs.fd", l.fd), Attribute.int("obs.backlog", l.backlog)] + Self.result(l.result))
        case .close(let c):
            log(e, "file.close", ns, Self.fileClose(c))
            addCloseIO(e, read: c.bytesRead, written: c.bytesWritten, network: false, at: ns)
        case .socketClose(let c):
            log(e, "network.close", ns, Self.socketClose(c))
            addCloseIO(e, read: c.bytesReceived, written: c.bytesSent, network: true, at: ns)
        case .dns(let d):
            log(e, "network.dns", ns, Self.dns(d))
        }
    }

    // MARK: spans

    /// The open span of the record `pid` names now.
    private func live(_ pid: Int32) -> ProcessSpan? {
        tracker.index(of: pid).flatMap { spans[$0] }
    }

    /// Makes `span` the open span of its pid's current record (the tracker has one: the event
    /// that opened the span was read first).
    private mutating func setLive(_ span: ProcessSpan) {
        guard let index = tracker.index(of: span.processID) else { return }
        spans[index] = span
    }

    /// The pids with an open span, in order: spans left open end in pid order.
    private func openProcessIDs() -> [Int32] {
        spans.values.map(\.processID).sorted()
    }

    private func open(_ pid: Int32, parent: Int32?, at ns: UInt64) -> ProcessSpan {
        let parentSpan = parent.flatMap { live($0)?.spanID } ?? runSpanID
        return ProcessSpan(
            spanID: Self.randomID(8), parentSpanID: parentSpan, processID: pid, parentProcessID: parent, startNs: ns,
            name: "process \(pid)")
    }

    /// `peak`: the span's peak RSS attributes, from the kernel's exit (`peakRSS(_:)`).
    private mutating func end(_ pid: Int32, at ns: UInt64, status: ExitStatus?, peak: [KeyValue] = []) {
        guard let index = tracker.index(of: pid), let p = spans.removeValue(forKey: index) else { return }
        var span = Span()
        span.traceID = traceID
        span.spanID = p.spanID
        span.parentSpanID = p.parentSpanID
        span.name = p.name
        span.kind = .internal
        span.startTimeUnixNano = p.startNs
        span.endTimeUnixNano = max(ns, p.startNs)
        span.events = p.events
        var attributes = [Attribute.int("process.pid", p.processID)]
        if let ppid = p.parentProcessID { attributes.append(Attribute.int("process.parent_pid", ppid)) }
        if let exe = p.executable { attributes.append(Attribute.string("process.executable.path", exe)) }
        if !p.argv.isEmpty { attributes.append(Attribute.strings("process.command_args", p.argv)) }
        if let status { attributes += Self.exit(status) }
        span.attributes = attributes + peak
        span.status = Self.status(status)
        ready.spans.append(span)
    }

    private mutating func endRun(at ns: UInt64) {
        guard !runEnded, let start = runStartNs else { return }
        runEnded = true
        var span = Span()
        span.traceID = traceID
        span.spanID = runSpanID
        span.name = "run " + runName
        span.kind = .internal
        span.startTimeUnixNano = start
        span.endTimeUnixNano = max(ns, start)
        span.attributes = runAttributes + (runStatus.map { Self.exit($0) } ?? [])
        span.status = Self.status(runStatus)
        ready.spans.append(span)
    }

    static func status(_ status: ExitStatus?) -> Opentelemetry_Proto_Trace_V1_Status {
        var s = Opentelemetry_Proto_Trace_V1_Status()
        guard let status else { return s }
        switch status {
        case .exited(let code) where code == 0: s.code = .ok
        case .exited, .signaled:
            s.code = .error
            s.message = EventText.exit(status)
        case .unknown:
            // Unset: nothing says whether the process succeeded.
            break
        }
        return s
    }

    // MARK: logs

    /// A log record of `e`, `WARN` when the event failed (`EventKind.failed`), `INFO` otherwise,
    /// its body the event in words (`EventText.summary`).
    private mutating func log(_ e: ObserverEvent, _ name: String, _ ns: UInt64, _ attributes: [KeyValue]) {
        let failed = e.kind.failed
        var record = LogRecord()
        record.timeUnixNano = ns
        record.observedTimeUnixNano = ns
        record.eventName = name
        record.severityNumber = failed ? .warn : .info
        record.severityText = failed ? "WARN" : "INFO"
        record.body.stringValue = EventText.summary(e.kind)
        record.traceID = traceID
        record.spanID = live(e.processID)?.spanID ?? runSpanID
        var all = [Attribute.int("process.pid", e.processID)]
        if let tid = e.threadID, tid != e.processID { all.append(Attribute.int("thread.id", tid)) }
        if let comm = e.command { all.append(Attribute.string("obs.comm", comm.string)) }
        all.append(Attribute.int("obs.seq", e.seq))
        record.attributes = all + attributes
        ready.logs.append(record)
    }

    static func result(_ r: SyscallResult) -> [KeyValue] {
        var a = [Attribute.int("obs.result", r.rawValue)]
        if let name = r.errnoName { a.append(Attribute.string("error.type", name)) }
        return a
    }

    /// A process span's peak RSS, from its `exit`: `obs.process.peak_rss_bytes` (the kernel's
    /// `signal->maxrss`: the counter `wait4` and GNU time read), `obs.process.image_peak_rss_bytes`
    /// (the image since its exec) and `obs.process.peak_rss_includes_pre_exec`, each when known.
    /// OpenTelemetry's process conventions have no peak (only the `process.memory.usage` metric),
    /// hence the `obs.` names.
    static func peakRSS(_ end: ProcessEnd) -> [KeyValue] {
        var a: [KeyValue] = []
        if let bytes = end.peakRSSBytes { a.append(Attribute.int("obs.process.peak_rss_bytes", bytes)) }
        if let bytes = end.imagePeakRSSBytes { a.append(Attribute.int("obs.process.image_peak_rss_bytes", bytes)) }
        if let folded = end.peakRSSIncludesPreExec {
            a.append(Attribute.bool("obs.process.peak_rss_includes_pre_exec", folded))
        }
        return a
    }

    /// `obs.exit.oom_killed` only when the OOM killer ended the process.
    static func exit(_ status: ExitStatus, killedByOOM: Bool = false) -> [KeyValue] {
        switch status {
        case .exited(let code): [Attribute.int("process.exit.code", code)]
        case .signaled(let signal, let core):
            [
                Attribute.int("process.exit.code", 128 + signal), Attribute.int("obs.exit.signal", signal),
                Attribute.bool("obs.exit.core_dumped", core),
            ] + (killedByOOM ? [Attribute.bool("obs.exit.oom_killed", true)] : [])
        case .unknown: []
        }
    }

    /// `file.path` (the absolute path when resolved, else the path as passed), the path as
    /// passed (`obs.path`) and the absolute path's source; `obs.new_*` for a rename's or a link's
    /// new name.
    static func path(_ passed: CapturedString, _ absolute: ResolvedPath?, new: Bool = false) -> [KeyValue] {
        let keys =
            new
            ? ("obs.new_file.path", "obs.new_path", "obs.new_path_source")
            : ("file.path", "obs.path", "obs.path_source")
        var a: [KeyValue] = []
        if let absolute, !absolute.unwalkable {
            a.append(Attribute.string(keys.0, absolute.value.string))
            a.append(Attribute.string(keys.2, absolute.source.rawValue))
        } else if !passed.unreadable {
            a.append(Attribute.string(keys.0, passed.value.string))
        }
        a.append(Attribute.string(keys.1, passed.value.string))
        return a
    }

    static func address(_ s: SocketOperation) -> [KeyValue] { address(s.address, absolutePath: s.absolutePath) }

    static func address(_ address: SocketAddress, absolutePath: ResolvedPath?) -> [KeyValue] {
        switch address {
        case .ipv4(let host, let port), .ipv6(let host, let port):
            [
                Attribute.string("network.peer.address", host), Attribute.int("network.peer.port", port),
                Attribute.string("network.type", address.familyName == "inet" ? "ipv4" : "ipv6"),
            ]
        case .unix(let path, let abstract):
            [
                Attribute.string(
                    "network.peer.address", (abstract ? "@" : "") + (absolutePath?.value.string ?? path.value.string)),
                Attribute.string("network.transport", "unix"),
            ]
        case .other(let family): [Attribute.int("obs.address_family", family)]
        case .unreadable: [Attribute.bool("obs.address_unreadable", true)]
        case .notRequested: [Attribute.bool("obs.address_requested", false)]
        }
    }

    static func profile(_ p: RunProfile) -> [KeyValue] {
        var a = [
            Attribute.int("obs.run.wall_ns", p.wallNanoseconds),
            Attribute.int("obs.run.user_cpu_ns", p.userCPUNanoseconds),
            Attribute.int("obs.run.system_cpu_ns", p.systemCPUNanoseconds),
            Attribute.int("obs.run.peak_rss_bytes", p.peakRSSBytes), Attribute.bool("obs.run.timed_out", p.timedOut),
            Attribute.int("obs.run.lost_subscriber", p.lostSubscriber),
            Attribute.int("obs.run.lost_kernel", p.lostKernel),
        ]
        if let c = p.containment { a.append(Attribute.string("obs.run.containment", c)) }
        return a
    }

    /// The program's name: the last component of its path.
    static func programName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }

    // MARK: metrics

    private mutating func addSample(_ sample: PerfSample, at ns: UInt64) {
        func point(_ value: Double, _ attributes: [KeyValue]) -> NumberDataPoint {
            var p = NumberDataPoint()
            p.timeUnixNano = ns
            p.startTimeUnixNano = runStartNs ?? ns
            p.asDouble = value
            p.attributes = attributes
            return p
        }
        func intPoint(_ value: Int64, _ attributes: [KeyValue]) -> NumberDataPoint {
            var p = point(0, attributes)
            p.asInt = value
            return p
        }
        func gauge(_ name: String, _ unit: String, _ description: String, _ points: [NumberDataPoint]) -> Metric {
            var m = Metric()
            m.name = name
            m.unit = unit
            m.description_p = description
            var g = Opentelemetry_Proto_Metrics_V1_Gauge()
            g.dataPoints = points
            m.gauge = g
            return m
        }
        let who = sample.processes.map {
            [Attribute.int("process.pid", $0.processID), Attribute.string("process.executable.name", $0.name)]
        }
        ready.metrics.append(
            gauge(
                "process.cpu.utilization", "1", "CPU over the sample interval, in cores",
                zip(sample.processes, who).map { point($0.cpuPercent / 100, $1) }))
        ready.metrics.append(
            gauge(
                "process.memory.usage", "By", "Resident set size",
                zip(sample.processes, who).map { intPoint(Int64($0.rssBytes), $1) }))
        // process.disk.io: the processes' own cumulative counters, one point per direction.
        var diskPoints: [NumberDataPoint] = []
        for (p, attributes) in zip(sample.processes, who) {
            if let r = p.diskReadBytes {
                diskPoints.append(intPoint(Int64(r), attributes + [Attribute.string("disk.io.direction", "read")]))
            }
            if let w = p.diskWrittenBytes {
                diskPoints.append(
                    intPoint(Int64(w), attributes + [Attribute.string("disk.io.direction", "write")]))
            }
        }
        if !diskPoints.isEmpty {
            ready.metrics.append(
                .cumulativeSum(
                    "process.disk.io", unit: "By", description: "Storage-layer bytes read and written by the process",
                    points: diskPoints))
        }
        if let cgroup = sample.cgroup {
            let metrics = Self.cgroupMetrics(cgroup, point: point, intPoint: intPoint, gauge: gauge)
            ready.metrics += metrics
        }
        ready.metrics.append(
            gauge(
                "obs.tree.cpu.utilization", "1", "The whole tree's CPU, in cores",
                [point(sample.totalCPUPercent / 100, [])]))
        ready.metrics.append(
            gauge(
                "obs.tree.memory.usage", "By", "The whole tree's resident set size",
                [intPoint(Int64(sample.totalRSSBytes), [])]))
        ready.metrics.append(
            gauge(
                "obs.tree.process.count", "{process}", "Live processes in the tree",
                [intPoint(Int64(sample.processCount), [])]))
    }

    /// The run cgroup's own counters (`CgroupTotals`) as `obs.cgroup.*`: CPU time and disk bytes
    /// as cumulative sums (the cgroup's counters start with the run), the rest as gauges.
    private static func cgroupMetrics(
        _ cgroup: CgroupTotals, point: (Double, [KeyValue]) -> NumberDataPoint,
        intPoint: (Int64, [KeyValue]) -> NumberDataPoint,
        gauge: (String, String, String, [NumberDataPoint]) -> Metric
    ) -> [Metric] {
        var metrics: [Metric] = []
        func counter(_ name: String, _ unit: String, _ description: String, _ points: [NumberDataPoint]) -> Metric {
            .cumulativeSum(name, unit: unit, description: description, points: points)
        }
        metrics.append(
            counter(
                "obs.cgroup.cpu.time", "s", "CPU time of every task that was in the run's cgroup",
                [
                    point(Double(cgroup.userCPUNanoseconds) / 1e9, [Attribute.string("cpu.mode", "user")]),
                    point(Double(cgroup.systemCPUNanoseconds) / 1e9, [Attribute.string("cpu.mode", "system")]),
                ]))
        metrics.append(
            gauge(
                "obs.cgroup.cpu.utilization", "1", "The run cgroup's CPU over the sample interval, in cores",
                [point(cgroup.cpuPercent / 100, [])]))
        if let memory = cgroup.memoryBytes {
            metrics.append(
                gauge(
                    "obs.cgroup.memory.usage", "By", "Memory charged to the run's cgroup",
                    [intPoint(Int64(clamping: memory), [])]))
        }
        if let tasks = cgroup.taskCount {
            metrics.append(
                gauge("obs.cgroup.task.count", "{task}", "Tasks in the run's cgroup", [intPoint(Int64(tasks), [])]))
        }
        if let read = cgroup.diskReadBytes, let written = cgroup.diskWrittenBytes {
            metrics.append(
                counter(
                    "obs.cgroup.disk.io", "By", "Block-device bytes of the run's cgroup",
                    [
                        intPoint(Int64(clamping: read), [Attribute.string("disk.io.direction", "read")]),
                        intPoint(Int64(clamping: written), [Attribute.string("disk.io.direction", "write")]),
                    ]))
        }
        return metrics
    }
}
