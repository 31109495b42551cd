import ProcessObserver

/// Builds a `RunReport` from a recording's events in one pass, in memory bounded by what the run
/// did (a record per process, capped path tables, capped series), not by its event count.
///
/// ```swift
/// var builder = RunReportBuilder(header: recording.header)
/// while let event = try recording.next() { builder.add(event) }
/// let report = builder.finish(coverage: recording.coverage)
/// ```
public struct RunReportBuilder {
    private var report: RunReport
    /// The current record of each live process id (a reused pid gets a new record).
    private var current: [Int32: Int] = [:]
    private var rootProcessID: Int32?
    private var sawOrigin: Bool

    public init(header: RecordingHeader?) {
        report = RunReport(
            header: header, coverage: RecordingCoverage(), originNs: header?.clockBase.monotonicNs ?? 0,
            command: header?.argv.map(\.string) ?? [], workingDirectory: header.map(\.workingDirectory.string),
            lastTimestampNs: header?.clockBase.monotonicNs ?? 0, files: FileActivity(), network: NetworkActivity(),
            samples: ResourceSeries())
        rootProcessID = header?.processID
        sawOrigin = header != nil
    }

    public mutating func add(_ event: ObserverEvent) {
        if !sawOrigin {
            report.originNs = event.timestampNs
            report.lastTimestampNs = event.timestampNs
            sawOrigin = true
        }
        report.lastTimestampNs = max(report.lastTimestampNs, event.timestampNs)
        report.eventCounts[event.kind.name, default: 0] += 1
        switch event.kind {
        case .started(let started):
            rootProcessID = event.processID
            if report.command.isEmpty { report.command = started.argv.map(\.string) }
            let index = process(event.processID, parent: nil, at: event.timestampNs, seen: true)
            report.processes[index].argv = started.argv.map(\.string)
            report.processes[index].executable = started.path.string
        case .exited(let end):
            report.status = end.status
            if let index = current[event.processID], report.processes[index].status == nil {
                report.processes[index].status = end.status
                report.processes[index].killedByOOM = end.killedByOOM
                report.processes[index].exitNs = report.processes[index].exitNs ?? event.timestampNs
            }
        case .profile(let profile):
            report.profile = profile
            if report.status == nil { report.status = profile.status }
        case .lost(let lost):
            switch lost.source {
            case .kernel: report.lostKernel += lost.count
            case .subscriber: report.lostSubscriber += lost.count
            case .exporter: report.lostExporter += lost.count
            }
        case .limit(let limit): report.limits.append(limit)
        case .sample(let sample):
            report.samples.add(sample, at: event.timestampNs, originNs: report.originNs)
        case .fork(let fork):
            // A pid forked again after its exit is a new process.
            if let old = current[fork.childProcessID], report.processes[old].exitNs != nil {
                current[fork.childProcessID] = nil
            }
            let parent = known(fork.parentProcessID, at: event.timestampNs, event: event)
            let index = process(fork.childProcessID, parent: fork.parentProcessID, at: event.timestampNs, seen: true)
            report.processes[index].argv = report.processes[parent].argv
            report.processes[index].executable = report.processes[parent].executable
        case .exec(let exec):
            let index = known(event.processID, at: event.timestampNs, event: event)
            let argv = exec.argv.map(\.string)
            report.processes[index].execs.append(
                ReportedProcess.ExecPoint(
                    timestampNs: event.timestampNs, path: exec.path.value.string, argv: argv,
                    errno: exec.result.errnoName))
            if exec.result.succeeded {
                report.processes[index].argv = argv.isEmpty ? [exec.path.value.string] : argv
                report.processes[index].executable = exec.path.value.string
            }
        case .exit(let end):
            let index = known(event.processID, at: event.timestampNs, event: event)
            report.processes[index].status = end.status
            report.processes[index].killedByOOM = end.killedByOOM
            report.processes[index].exitNs = event.timestampNs
        case .open, .unlink, .rmdir, .mkdir, .rename, .chdir, .fchdir, .link, .symlink:
            _ = known(event.processID, at: event.timestampNs, event: event)
            report.files.add(event.kind)
        case .connect, .accept, .bind, .listen:
            _ = known(event.processID, at: event.timestampNs, event: event)
            report.network.add(event)
        }
    }

    /// The report, with per-process sample figures joined in.
    public func finish(coverage: RecordingCoverage) -> RunReport {
        var report = self.report
        report.coverage = coverage
        for (pid, usage) in report.samples.processes {
            // Samples name live pids: the latest record of that pid.
            guard let index = report.processes.lastIndex(where: { $0.processID == pid }) else { continue }
            report.processes[index].sampledCPUNs = usage.cpuNs
            report.processes[index].peakRSSBytes = usage.peakRSSBytes
        }
        return report
    }

    /// The record of a live `pid`, made at its first sighting when no fork or start showed it.
    private mutating func known(_ pid: Int32, at ns: UInt64, event: ObserverEvent) -> Int {
        if let index = current[pid] { return index }
        let parent = pid == rootProcessID ? nil : event.parentProcessID
        let index = process(pid, parent: parent, at: ns, seen: false)
        if let comm = event.command { report.processes[index].executable = comm.string }
        return index
    }

    /// The record of `pid`, making it (and linking it to its parent) when it is new.
    private mutating func process(_ pid: Int32, parent: Int32?, at ns: UInt64, seen: Bool) -> Int {
        if let index = current[pid] {
            if seen, !report.processes[index].startSeen {
                report.processes[index].startNs = min(report.processes[index].startNs, ns)
                report.processes[index].startSeen = true
            }
            return index
        }
        let index = report.processes.count
        report.processes.append(
            ReportedProcess(
                processID: pid, parentProcessID: parent, startNs: ns, startSeen: seen, argv: [], executable: ""))
        current[pid] = index
        if let parent, let parentIndex = current[parent], parentIndex != index {
            report.processes[parentIndex].children.append(index)
        } else {
            report.processes[index].parentProcessID = nil
            report.roots.append(index)
        }
        return index
    }
}
