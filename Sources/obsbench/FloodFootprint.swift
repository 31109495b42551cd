/// obsctl's peak resident memory while it formats a flood of events, read from the `ru_maxrss` of
/// the `wait4(2)` that reaps it. Linux reports the largest of obsctl and the children it reaped
/// (the flood program stays near 1 MiB, so the figure is obsctl's), and also folds in the address
/// space the process had before execve; the `peakrss` helper (a small C parent) keeps that ~1 MiB.
struct FloodFootprint {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit
    /// For the `--otlp` row: the export's own memory (and CPU, in the wall time) under the flood.
    let otlpReceiver: OTLPReceiver

    func measure() throws -> ResultTable {
        let opens = tools.scaled(1_000_000)
        var table = ResultTable(
            title: "obsctl peak RSS under a flood (openflood \(opens) → -o /dev/null)",
            columns: [
                ("run", .left), ("median peak RSS", .right), ("min–max", .right), ("median wall s", .right),
                ("target", .right),
            ])
        guard resolved.obsctl != nil else {
            table.add(["obsctl watch", "n/a", "n/a", "n/a", "≤ 64 MiB"])
            table.note("skipped: \(resolved.obsctlProblem ?? "obsctl unavailable")")
            return table
        }
        let flood = [kit.openflood, kit.floodTarget, "\(opens)"]
        var runs: [(String, [String])] = [
            ("bare openflood (reference)", flood),
            ("obsctl watch -- /bin/true (idle baseline)", resolved.obsctlArgv(["/bin/true"])),
            ("obsctl watch -- openflood (flood)", resolved.obsctlArgv(flood, summary: true)),
        ]
        if let url = otlpReceiver.url {
            runs.append(
                (
                    "obsctl watch --otlp -- openflood (flood, exported to a local receiver)",
                    resolved.obsctlArgv(flood, summary: true, otlpEndpoint: url)
                ))
        }
        var rss: [Int: [Double]] = [:]
        var wall: [Int: [Double]] = [:]
        var floodSummaries: [ObsctlSummary] = []
        var otlpLines: [String] = []
        let rounds = max(1, min(common.rounds, 3))
        common.progress("footprint: \(rounds) rounds of \(runs.count) runs")
        for round in 0..<rounds {
            for i in 0..<runs.count {
                let index = (i + round) % runs.count
                let start = monotonicNs()
                // The --otlp run's export line goes to stderr: keep it (peakrss's own line stays last).
                let report = Launcher.capture([kit.peakrss] + runs[index].1, withStderr: index == 3)
                let end = monotonicNs()
                let lastLine = report?.split(separator: "\n").last.map(String.init) ?? ""
                let fields = lastLine.split(separator: " ").compactMap { Int($0) }
                if index == 2, let report, let summary = ObsctlSummary(report) { floodSummaries.append(summary) }
                if index == 3, let report {
                    otlpLines += report.split(separator: "\n").filter { $0.contains("otlp: exported") }.map(String.init)
                }
                guard fields.count == 2, fields[1] == 0 else {
                    table.note("FAILED: \(runs[index].0) (peakrss said: \(report ?? "nothing"))")
                    continue
                }
                rss[index, default: []].append(Double(fields[0] * 1024))
                wall[index, default: []].append(Double(end - start) / 1e9)
            }
        }
        for (index, run) in runs.enumerated() {
            guard let values = rss[index] else { continue }
            let r = Summary(values)
            table.add([
                run.0, Format.mebibytes(UInt64(r.median)),
                "\(Format.mebibytes(UInt64(r.min)))–\(Format.mebibytes(UInt64(r.max)))",
                Format.seconds(Summary(wall[index]!).median), index == 2 ? "≤ 64 MiB" : "",
            ])
        }
        if !floodSummaries.isEmpty {
            table.note(
                "file events obsctl delivered per flood run: "
                    + floodSummaries.map { Format.grouped($0.events["file"] ?? 0) }.joined(separator: ", ")
                    + "; lost (subscriber/kernel): "
                    + floodSummaries.map { "\($0.lostSubscriber)/\($0.lostKernel)" }.joined(separator: ", "))
        } else if rss[2] != nil {
            table.note("the flood runs printed no summary: the event count is unknown")
        }
        for line in otlpLines { table.note("the --otlp run: \(line.replacingOccurrences(of: "obsctl: ", with: ""))") }
        if let problem = otlpReceiver.problem { table.note("the --otlp row skipped: \(problem)") }
        let floodRSS = rss[2].map { Summary($0).median } ?? .infinity
        table.note(
            "active categories: \(resolved.obsctlActive.joined(separator: ", ")); "
                + (resolved.obsctlActive.contains("file")
                    ? (floodRSS <= 64 * 1_048_576 ? "target met" : "target MISSED")
                    : "file is not active, so this is no flood: re-run once the eBPF backend lands"))
        return table
    }
}
