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
    /// The process records, shared in meaning with the other readers of a run (`ProcessTracker`).
    private var tracker: ProcessTracker
    private var sawOrigin: Bool

    public init(header: RecordingHeader?) {
        report = RunReport(
            header: header, coverage: RecordingCoverage(), originNs: header?.clockBase.monotonicNs ?? 0,
            command: header?.argv.map(\.string) ?? [], workingDirectory: header.map(\.workingDirectory.string),
            lastTimestampNs: header?.clockBase.monotonicNs ?? 0, files: FileActivity(), network: NetworkActivity(),
            samples: ResourceSeries())
        tracker = ProcessTracker(rootProcessID: header?.processID)
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
        tracker.add(event)
        switch event.kind {
        case .started(let started):
            if report.command.isEmpty { report.command = started.argv.map(\.string) }
        case .exited(let end):
            report.status = end.status
        case .profile(let profile):
            report.profile = profile
            if report.status == nil { report.status = profile.status }
        case .lost(let lost):
            switch lost.source {
            case .kernel: report.lostKernel += lost.count
            case .subscriber: report.lostSubscriber += lost.count
            case .exporter: report.lostExporter += lost.count
            case .writer: report.lostWriter += lost.count
            }
        case .limit(let limit): report.limits.append(limit)
        case .sample(let sample):
            report.samples.add(sample, at: event.timestampNs, originNs: report.originNs)
        case .fork, .exec, .exit, .syscalls, .close, .socketClose, .dns:
            break
        case .open, .unlink, .rmdir, .mkdir, .rename, .chdir, .fchdir, .link, .symlink:
            report.files.add(event.kind)
        case .connect, .accept, .bind, .listen:
            report.network.add(event)
        }
    }

    /// The report, with per-process sample figures joined in.
    public func finish(coverage: RecordingCoverage) -> RunReport {
        var report = self.report
        report.coverage = coverage
        report.processes = tracker.processes
        report.roots = tracker.roots
        for (pid, usage) in report.samples.processes {
            // Samples name live pids: the latest record of that pid.
            guard let index = report.processes.lastIndex(where: { $0.processID == pid }) else { continue }
            report.processes[index].sampledCPUNs = usage.cpuNs
            report.processes[index].peakRSSBytes = usage.peakRSSBytes
        }
        return report
    }
}
