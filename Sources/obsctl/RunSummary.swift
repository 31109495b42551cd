import ObserverReporting
import ProcessObserver

/// Counts what a run delivered, and prints the closing summary.
struct RunSummary {
    /// Events per category and kind name, in order of first sight: a short list searched from
    /// the last hit, so counting a flood hashes nothing (kind names are small strings, compared
    /// inline).
    private var tally: [(category: EventCategory, kind: String, count: Int)] = []
    private var lastHit = 0
    private(set) var profile: RunProfile?

    /// The memory limit the OOM killer enforced, when a `limit` event said so.
    private var memoryLimit: UInt64?

    /// Each process's syscall summary (`-c`), in arrival order.
    private var syscalls: [(processID: Int32, command: String?, summary: SyscallSummary)] = []

    /// Events per kind name of each category seen.
    private var counts: [EventCategory: [String: Int]] {
        tally.reduce(into: [:]) { $0[$1.category, default: [:]][$1.kind, default: 0] += $1.count }
    }

    mutating func count(_ event: ObserverEvent) {
        let kind = event.kind.name
        if lastHit < tally.count, tally[lastHit].category == event.category, tally[lastHit].kind == kind {
            tally[lastHit].count += 1
        } else if let index = tally.firstIndex(where: { $0.category == event.category && $0.kind == kind }) {
            tally[index].count += 1
            lastHit = index
        } else {
            tally.append((event.category, kind, 1))
            lastHit = tally.count - 1
        }
        if case .syscalls(let s) = event.kind { syscalls.append((event.processID, event.command?.string, s)) }
        if case .profile(let p) = event.kind { profile = p }
        if case .limit(let limit) = event.kind, limit.resource == .memory { memoryLimit = limit.limit }
    }

    /// strace -c's table for the whole tree, or one per process (`pid 42 (make)` above each, in
    /// process-id order).
    func syscallTables(perProcess: Bool) -> String {
        guard perProcess else { return SyscallSummaryText.table(SyscallSummary.merged(syscalls.map(\.summary))) }
        var out = ""
        for entry in syscalls.sorted(by: { $0.processID < $1.processID }) {
            out += "\npid \(entry.processID)" + (entry.command.map { " (\($0))" } ?? "") + "\n"
            out += SyscallSummaryText.table(entry.summary)
        }
        return out
    }

    /// The summary text: how the command ended, what it cost, events per category and kind,
    /// and the lost total.
    ///
    /// `status` is nil when obsctl stopped observing an attached process (`attached`) before it
    /// exited. An attached process is not obsctl's child, so its rusage lines read zero.
    /// `outcome` replaces the status's words (an attached cgroup, which has none).
    func text(
        command: String, status: ExitStatus?, fallback: RunProfile, signals: [Int32], attached: Bool = false,
        outcome given: String? = nil
    ) -> String {
        let p = profile ?? fallback
        var lines: [String] = []
        var outcome = given ?? status.map { EventText.exit($0) } ?? "still running, stopped observing"
        if p.killedByOOM {
            outcome += " " + HumanFormatter.byOOMKiller(memoryLimit: memoryLimit)
        }
        var headline = "obsctl: \(command): \(outcome) after \(Units.seconds(p.wallNanoseconds))"
        if p.timedOut { headline += " (timed out)" }
        if let first = signals.first {
            headline += " (obsctl received \(SignalName.of(first))\(attached ? "" : ", forwarded"))"
        }
        lines.append(headline)
        var cpu =
            "  cpu        user \(Units.seconds(p.userCPUNanoseconds))  system \(Units.seconds(p.systemCPUNanoseconds))"
        if let avg = p.avgCPU { cpu += "  avg \(Units.fixed(avg, 2)) cores" }
        lines.append(cpu)
        lines.append(
            "  memory     peak rss \(Units.bytes(p.peakRSSBytes))  faults minor \(p.minorFaults) major \(p.majorFaults)"
        )
        lines.append(
            "  switches   voluntary \(p.voluntaryContextSwitches)  involuntary \(p.involuntaryContextSwitches)")
        lines.append("  samples    \(p.sampleCount)")
        if let tree = p.tree {
            var line =
                "  tree       cpu user \(Units.seconds(tree.userCPUNanoseconds))"
                + "  system \(Units.seconds(tree.systemCPUNanoseconds))"
            if let memory = tree.peakMemoryBytes { line += "  peak memory \(Units.bytes(memory))" }
            if let count = tree.peakProcesses { line += "  peak processes \(count)" }
            if let wall = p.treeWallNanoseconds { line += "  last exit after \(Units.seconds(wall))" }
            lines.append(line)
        } else if p.containment == "process-group" {
            lines.append(
                "  tree       not contained: no cgroup here (obsctl capabilities says why), process group only")
        }
        let counts = self.counts
        for category in EventCategory.allCases {
            guard let kinds = counts[category] else { continue }
            let total = kinds.values.reduce(0, +)
            let list = kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append("  " + category.rawValue.padded(9) + "  \(total) events: " + list)
        }
        let exporter = p.lostExporter > 0 ? ", exporter \(p.lostExporter)" : ""
        let writer = p.lostWriter > 0 ? ", writer \(p.lostWriter)" : ""
        lines.append(
            "  lost       \(p.lostSubscriber + p.lostKernel + p.lostExporter + p.lostWriter) (subscriber "
                + "\(p.lostSubscriber), kernel \(p.lostKernel)\(exporter)\(writer))")
        return lines.joined(separator: "\n") + "\n"
    }
}
