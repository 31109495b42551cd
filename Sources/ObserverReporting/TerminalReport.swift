import ProcessObserver

/// The report for a terminal: six sections in a fixed order (the run, the process tree, files,
/// network, CPU and memory, syscalls), columns aligned, colour only when asked (obsctl asks on a TTY).
/// `Docs/REPORT.md` shows one and says what each line counts.
public struct TerminalReport {
    public var colour: Bool
    /// Lines of the process tree before it is cut (`… N more`).
    public var treeLines = 60
    /// Paths (or directories) listed per file table.
    public var pathLines = 8

    public init(colour: Bool) { self.colour = colour }

    public func render(_ report: RunReport) -> String {
        // The DNS section is there when the recording counted bytes or saw DNS (`IOActivity.counted`).
        ([run(report), tree(report), files(report), network(report)] + dnsSection(report) + [
            resources(report), syscalls(report),
        ]).joined(separator: "\n")
    }

    // MARK: painting

    func paint(_ text: String, _ sgr: String) -> String { colour ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text }
    func heading(_ text: String) -> String { paint(text, "1") }
    func failure(_ text: String) -> String { paint(text, "31") }
    func dim(_ text: String) -> String { paint(text, "2") }

    func row(_ label: String, _ value: String) -> String { "  " + label.padded(13) + value + "\n" }

    // MARK: 1. the run

    func run(_ report: RunReport) -> String {
        var out = heading("RUN") + "\n"
        out += row("command", ReportText.commandLine(report.command, limit: 90))
        if let dir = report.workingDirectory, !dir.isEmpty { out += row("directory", dir) }
        let outcome = report.status.map { EventText.exit($0) } ?? "unknown (no exit in the recording)"
        let failed = report.status.map { $0 != .exited(code: 0) } ?? true
        var exit = failed ? failure(outcome) : outcome
        if report.profile?.timedOut == true { exit += " (timed out)" }
        if report.profile?.killedByOOM == true { exit += failure(" (OOM killed)") }
        out += row("exit", exit)
        var wall = ReportText.seconds(report.wallNs)
        if let p = report.profile, let tree = p.treeWallNanoseconds, tree != p.wallNanoseconds {
            wall += "  (the command exited after \(ReportText.seconds(p.wallNanoseconds)))"
        }
        out += row("wall", wall)
        if let p = report.profile {
            var cpu =
                "user \(ReportText.seconds(p.userCPUNanoseconds))  system \(ReportText.seconds(p.systemCPUNanoseconds))"
            if let tree = p.tree {
                cpu +=
                    "  tree user \(ReportText.seconds(tree.userCPUNanoseconds))"
                    + " system \(ReportText.seconds(tree.systemCPUNanoseconds))"
            }
            out += row("cpu", cpu)
            var memory = "peak rss \(ReportText.bytes(p.peakRSSBytes))"
            if let peak = p.tree?.peakMemoryBytes { memory += "  tree peak \(ReportText.bytes(peak))" }
            if report.samples.sampleCount > 0 {
                memory += "  sampled peak \(ReportText.bytes(report.samples.peakRSSBytes))"
            }
            out += row("memory", memory)
        }
        let lost =
            report.profile.map { $0.lostKernel + $0.lostSubscriber } ?? (report.lostKernel + report.lostSubscriber)
        let lostText =
            lost == 0
            ? "0"
            : failure(
                "\(ReportText.grouped(Int(lost))) (kernel \(report.profile?.lostKernel ?? report.lostKernel), "
                    + "subscriber \(report.profile?.lostSubscriber ?? report.lostSubscriber)): counts below are short")
        out += row("lost events", lostText)
        let notWritten = report.profile?.lostWriter ?? report.lostWriter
        if notWritten > 0 {
            out += row(
                "not recorded",
                failure(
                    "\(ReportText.grouped(Int(notWritten))) events the recording's writer could not write (disk full)"))
        }
        let notExported = report.profile?.lostExporter ?? report.lostExporter
        if notExported > 0 {
            out += row(
                "not exported",
                failure("\(ReportText.grouped(Int(notExported))) items the OTLP exporter could not send"))
        }
        let failedCount = report.failedProcesses
        // Totals over the events: of the range read only, when that is not the whole run.
        let partial = report.coverage.isPartial ? dim("  (in the covered range only)") : ""
        out += row(
            "processes",
            ReportText.grouped(report.processes.count) + partial
                + (failedCount > 0 ? failure("  (\(failedCount) failed)") : ""))
        let events = report.eventCounts.values.reduce(0, +)
        out += row("events", ReportText.grouped(events) + partial)
        for limit in report.limits {
            out += row(
                "limit",
                failure(
                    limit.resource == .memory
                        ? "memory limit \(ReportText.bytes(limit.limit)): \(limit.count) OOM kill(s)"
                        : "process limit \(limit.limit): \(limit.count) fork(s) refused"))
        }
        if let header = report.header {
            out += row(
                "recorded",
                "\(header.writer) \(header.writerVersion) on \(header.hostName), Linux \(header.kernelRelease), "
                    + RFC3339Text.seconds(header.clockBase.wallNs))
        }
        let missing = report.missingCapabilities
        if !missing.isEmpty { out += row("not observed", paint(missing.joined(separator: "; "), "33")) }
        if let note = report.coverage.truncationNote(from: report.header?.clockBase.monotonicNs) {
            out += row("note", failure(note))
        }
        if let covered = report.coverage.partialNote(clock: report.header?.clockBase) {
            out += row("covers", paint(covered, "33"))
        }
        if !report.coverage.skippedKinds.isEmpty {
            let kinds = report.coverage.skippedKinds.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }
            out += row("skipped", "kinds this obsctl does not know: " + kinds.joined(separator: ", "))
        }
        return out
    }

    /// After a section's heading: its counts cover only the range the recording holds (segments
    /// removed by retention, or a window), `covers` in the run section says which.
    func partialMark(_ report: RunReport) -> String {
        report.coverage.isPartial ? dim("  (in the covered range only)") : ""
    }

    static func shortStatus(_ status: ExitStatus?) -> String {
        switch status {
        case nil: "–"
        case .exited(let code): "\(code)"
        case .signaled(let signal, _): SignalName.of(signal)
        case .unknown: "?"
        }
    }

    // MARK: 2. the process tree

    func tree(_ report: RunReport) -> String {
        let failedCount = report.failedProcesses
        var out =
            heading("PROCESS TREE")
            + "  \(ReportText.grouped(report.processes.count)) processes"
            + (failedCount > 0 ? ", " + failure("\(failedCount) failed") : "") + partialMark(report) + "\n"
        guard !report.processes.isEmpty else {
            return out + "  (no process events: the process category was not observed)\n"
        }
        // The kernel's per-process peak (recordings since schema 1.2 with the process category).
        let peaks = report.processes.contains { $0.exitPeakRSSBytes != nil }
        out +=
            dim(
                "  " + "START".rightAligned(9) + "  " + "WALL".rightAligned(9) + "  " + "CPU".rightAligned(8) + "  "
                    + (peaks ? "PEAK RSS".rightAligned(Self.peakWidth) + "  " : "") + "EXIT".padded(9) + "PROCESS")
            + "\n"
        var lines: [String] = []
        var remaining = 0
        func walk(_ groups: [ProcessGroup], prefix: String, isTop: Bool) {
            for (i, group) in groups.enumerated() {
                let last = i == groups.count - 1
                let branch = isTop ? "" : (last ? "└─ " : "├─ ")
                if lines.count >= treeLines {
                    remaining += group.processCount
                    continue
                }
                lines.append(line(group, report, art: prefix + branch, peaks: peaks))
                walk(group.children, prefix: prefix + (isTop ? "" : (last ? "   " : "│  ")), isTop: false)
            }
        }
        walk(report.foldedTree, prefix: "", isTop: true)
        out += lines.joined()
        if remaining > 0 { out += dim("  … \(ReportText.grouped(remaining)) more processes") + "\n" }
        if peaks, report.processes.contains(where: { $0.exitPeakRSSIncludesPreExec == true }) {
            out += dim("  " + Self.preExecMark + " " + Self.preExecNote) + "\n"
        }
        return out
    }

    /// The width of the tree's PEAK RSS column: `1023.9 MiB*`.
    static let peakWidth = 11
    /// Marks a peak that holds an image the process's exec replaced.
    static let preExecMark = "*"
    /// What the mark means, under the tree.
    static let preExecNote =
        "peak from before the process's exec: the copy of the parent it was forked as (wait4 and GNU time "
        + "count it too); its own image's peak is in the JSON report"

    /// A group's PEAK RSS cell: the kernel's figure at exit (a folded group's largest), marked
    /// when it includes a pre-exec image; `–` when no exit carried one.
    private static func peakCell(_ members: [ReportedProcess]) -> String {
        let known = members.compactMap { p in p.exitPeakRSSBytes.map { (bytes: $0, process: p) } }
        guard let top = known.max(by: { $0.bytes < $1.bytes }) else { return "– " }
        return ReportText.bytes(top.bytes) + (top.process.exitPeakRSSIncludesPreExec == true ? preExecMark : " ")
    }

    private func line(_ group: ProcessGroup, _ report: RunReport, art: String, peaks: Bool) -> String {
        let members = group.members.map { report.processes[$0] }
        let start = members.map(\.startNs).min() ?? report.originNs
        let wall = members.reduce(0) { $0 + report.wallNs(of: $1) }
        let cpus = members.compactMap(\.sampledCPUNs)
        let cpu = cpus.isEmpty ? "–" : ReportText.seconds(cpus.reduce(0, +))
        let failedMembers = members.filter(\.failed)
        let exit: String
        let what: String
        if group.isFolded {
            exit = failedMembers.isEmpty ? "0" : "\(failedMembers.count) failed"
            what = "\(group.name) ×\(members.count)"
        } else {
            let p = members[0]
            var text = ReportText.commandLine(p.argv.isEmpty ? [p.name] : p.argv, limit: 70)
            if let failedExec = p.failedExec {
                text +=
                    "  (" + EventText.call("exec", errno: failedExec.errno, ReportText.cut(failedExec.path, 40)) + ")"
            }
            exit = p.killedByOOM ? "OOM" : Self.shortStatus(p.status)
            what = text + "  [\(p.processID)]"
        }
        let columns =
            "  " + ReportText.seconds(report.offsetNs(start)).rightAligned(9) + "  "
            + ((group.isFolded ? "Σ" : "") + ReportText.seconds(wall)).rightAligned(9) + "  "
            + ((group.isFolded && !cpus.isEmpty ? "Σ" : "") + cpu).rightAligned(8) + "  "
            + (peaks ? Self.peakCell(members).rightAligned(Self.peakWidth) + "  " : "")
        let exitText = failedMembers.isEmpty ? exit.padded(9) : failure(exit.padded(9))
        return columns + exitText + art + (failedMembers.isEmpty ? what : failure(what)) + "\n"
    }

    // MARK: 3. files

    func files(_ report: RunReport) -> String {
        let f = report.files
        var out = heading("FILES") + partialMark(report) + "\n"
        if let capability = report.header?.capabilities.first(where: { $0.category == "file" }), !capability.delivered {
            return out
                + "  (not observed: the file category was \(capability.observed ? "unavailable" : "not asked for"))\n"
        }
        out += table("read", f.read, unit: "open")
        out += table("written", f.written, unit: "open")
        out += table("created", f.created, unit: "open")
        out += table("mkdir", f.directoriesCreated, unit: "call")
        out += table("renamed", f.renamed, unit: "rename")
        out += table("deleted", f.deleted, unit: "call")
        out += fileBytes(report)
        if f.failures.isEmpty {
            out += row("failed", "0")
        } else {
            out += row("failed", failure(ReportText.grouped(f.failedTotal)))
            for (errno, paths) in f.failures.sorted(by: {
                $0.value.total > $1.value.total || ($0.value.total == $1.value.total && $0.key < $1.key)
            }) {
                let top = paths.top(3).map { ReportText.cut($0.path, 50) + ($0.count > 1 ? " ×\($0.count)" : "") }
                let more = paths.distinct > 3 ? ", … \(paths.distinct - 3) more" : ""
                out +=
                    "    " + failure((errno + " ×" + ReportText.grouped(paths.total)).padded(16))
                    + top.joined(separator: ", ")
                    + more + "\n"
            }
        }
        return out
    }

    private func table(_ label: String, _ counts: PathCounts, unit: String) -> String {
        guard !counts.isEmpty else { return row(label, "0") }
        var out = row(
            label,
            ReportText.count(counts.distinct, "path") + ", " + ReportText.count(counts.total, unit)
                + (counts.overflow > 0
                    ? " (\(ReportText.grouped(counts.overflow)) on paths past the first \(ReportText.grouped(PathCounts.capacity)))"
                    : ""))
        if counts.distinct <= pathLines {
            for (path, count) in counts.top(pathLines) {
                out += "    " + ReportText.grouped(count).rightAligned(7) + "  " + path + "\n"
            }
        } else {
            let groups = counts.byDirectory(pathLines)
            for group in groups {
                out +=
                    "    " + ReportText.grouped(group.count).rightAligned(7) + "  " + group.directory
                    + dim("  (" + ReportText.count(group.paths, "path") + ")") + "\n"
            }
            let directories = counts.byDirectory(Int.max).count
            let more = directories - groups.count
            if more > 0 { out += dim("    … \(more) more director\(more == 1 ? "y" : "ies")") + "\n" }
        }
        return out
    }

    // MARK: 4. network

    func network(_ report: RunReport) -> String {
        let n = report.network
        var out = heading("NETWORK") + partialMark(report) + "\n"
        if let capability = report.header?.capabilities.first(where: { $0.category == "network" }),
            !capability.delivered
        {
            return out
                + "  (not observed: the network category was \(capability.observed ? "unavailable" : "not asked for"))\n"
        }
        if n.peers.isEmpty && n.listening.isEmpty && n.bound.isEmpty && n.accepted.isEmpty && n.otherFailures.isEmpty
            && report.io.peers.isEmpty
        {
            return out + "  (no network activity)\n"
        }
        let peers = n.peers.sorted {
            $0.value.attempts != $1.value.attempts ? $0.value.attempts > $1.value.attempts : $0.key < $1.key
        }
        for (i, (peer, stats)) in peers.prefix(pathLines).enumerated() {
            var parts = ["\(stats.attempts)×"]
            if stats.connected > 0 { parts.append("\(stats.connected) connected") }
            if stats.inProgress > 0 { parts.append("\(stats.inProgress) in progress") }
            var text = ReportText.cut(peer, 40).padded(42) + parts.joined(separator: ", ")
            if stats.failed > 0 {
                text += failure(
                    ", "
                        + stats.failures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(
                            separator: ", "))
            }
            out += row(i == 0 ? "connected to" : "", text)
        }
        if peers.count > pathLines { out += dim("    … \(peers.count - pathLines) more peers") + "\n" }
        for (i, (address, count)) in n.listening.sorted(by: { $0.key < $1.key }).enumerated() {
            out += row(i == 0 ? "listened on" : "", address.padded(42) + "\(count)×")
        }
        for (i, (address, count)) in n.accepted.sorted(by: { $0.key < $1.key }).enumerated() {
            out += row(i == 0 ? "accepted on" : "", address.padded(42) + "\(count)×")
        }
        for (i, (what, count)) in n.otherFailures.sorted(by: { $0.key < $1.key }).enumerated() {
            out += row(i == 0 ? "failed" : "", failure("\(what) ×\(count)"))
        }
        return out + peerTraffic(report)
    }

    // MARK: 5. CPU and memory

    func resources(_ report: RunReport) -> String {
        let s = report.samples
        var out = heading("CPU AND MEMORY") + partialMark(report) + "\n"
        guard s.sampleCount > 0 else {
            return out + "  (no samples: sampling was off, --interval 0, or the run was shorter than one interval)\n"
        }
        let start = report.originNs
        let end = max(report.lastTimestampNs, s.points.last?.timestampNs ?? start)
        out += row(
            "samples",
            "\(s.sampleCount), \(ReportText.seconds(report.offsetNs(s.points.first!.timestampNs)))–\(ReportText.seconds(report.offsetNs(s.points.last!.timestampNs)))"
        )
        out += row(
            "cpu",
            Sparkline.render(s.points.map { ($0.timestampNs, $0.cpuPercent) }, from: start, to: end)
                + "  peak \(ReportText.fixed(s.peakCPUPercent, 1))% of one core")
        out += row(
            "rss",
            Sparkline.render(s.points.map { ($0.timestampNs, Double($0.rssBytes)) }, from: start, to: end)
                + "  peak \(ReportText.bytes(s.peakRSSBytes))")
        out += row("", dim("0s".padded(Sparkline.width - 8) + ReportText.seconds(end - start).rightAligned(8)))
        if let cpu = s.cgroupPeakCPUPercent {
            // The run cgroup's own counters: exact CPU time, memory with page cache.
            out += row(
                "cgroup",
                "cpu peak \(ReportText.fixed(cpu, 1))% of one core"
                    + (s.cgroupPeakMemoryBytes.map { "  memory peak \(ReportText.bytes($0))" } ?? ""))
        }
        let byCPU = s.top(5).filter { $0.cpuNs > 0 }
        if !byCPU.isEmpty {
            out += row(
                "top cpu",
                byCPU.map { "\($0.name) [\($0.processID)] \(ReportText.seconds($0.cpuNs))" }.joined(separator: ", "))
        }
        let byMemory = s.top(5, byMemory: true)
        out += row(
            "top memory",
            byMemory.map { "\($0.name) [\($0.processID)] \(ReportText.bytes($0.peakRSSBytes))" }.joined(separator: ", ")
        )
        return out
    }
}

/// RFC 3339 to the second, for the report's "recorded" line.
enum RFC3339Text {
    static func seconds(_ wallNs: Int64) -> String { RFC3339.format(epochNanoseconds: wallNs).prefix(19) + "Z" }
}
