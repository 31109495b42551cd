import Foundation

/// What recording and reporting cost (issue 9): the flood recorded with `-o FILE` against `-o
/// /dev/null` (the file must not slow the observed run), then `obsctl report`, `--json`,
/// `--html` and `export --format perfetto` of the million-event recording, timed with their peak
/// RSS (through the `peakrss` helper, so the figure is obsctl's own).
struct ReportingCost {
    let common: CommonOptions
    let tools: ToolOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    func measure() throws -> [ResultTable] {
        let opens = tools.scaled(1_000_000)
        var recording = ResultTable(
            title: "Recording a flood (openflood \(Format.grouped(opens))) to a file vs to /dev/null",
            columns: [
                ("obsctl watch --json", .left), ("median command s", .right), ("command ratio", .right),
                ("median obsctl wall s", .right), ("min–max obsctl s", .right), ("obsctl ratio", .right),
                ("events written", .right), ("lost subscriber/kernel", .right), ("file", .right),
            ])
        var reporting = ResultTable(
            title: "Reporting on the flood's recording",
            columns: [
                ("command", .left), ("median wall s", .right), ("min–max s", .right), ("median peak RSS", .right),
                ("output", .right),
            ])
        guard let obsctl = resolved.obsctl else {
            recording.note("skipped: \(resolved.obsctlProblem ?? "obsctl unavailable")")
            return [recording, reporting]
        }
        let dir = NSTemporaryDirectory() + "obsbench-reporting-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/flood.jsonl"
        let flood = [kit.openflood, kit.floodTarget, "\(opens)"]
        let variants = [("-o /dev/null", "/dev/null"), ("-o FILE", file)]
        let rounds = max(1, min(common.rounds, 3))
        common.progress("reporting: \(rounds) rounds of recording the flood to /dev/null and to a file")
        var wall: [Int: [Double]] = [:]
        var command: [Int: [Double]] = [:]
        var events: [Int: [Double]] = [:]
        var lostSubscriber: [Int: [Double]] = [:]
        var lostKernel: [Int: [Double]] = [:]
        var ratios: [Double] = []
        var commandRatios: [Double] = []
        var size: UInt64 = 0
        var lines = 0
        for round in 0..<rounds {
            var roundWall: [Int: Double] = [:]
            var roundCommand: [Int: Double] = [:]
            for i in 0..<variants.count {
                let index = (i + round) % variants.count
                let argv = resolved.obsctlArgv(flood, json: true, output: variants[index].1, summary: true)
                let (outcome, text) = try Launcher.runCapturing(argv)
                guard outcome.status == 0, let summary = ObsctlSummary(text) else {
                    recording.note("FAILED: \(variants[index].0) (status \(outcome.status))")
                    continue
                }
                roundWall[index] = Double(outcome.wallNs) / 1e9
                wall[index, default: []].append(Double(outcome.wallNs) / 1e9)
                roundCommand[index] = summary.commandSeconds ?? .nan
                command[index, default: []].append(summary.commandSeconds ?? .nan)
                events[index, default: []].append(Double(summary.events.values.reduce(0, +)))
                lostSubscriber[index, default: []].append(Double(summary.lostSubscriber))
                lostKernel[index, default: []].append(Double(summary.lostKernel))
                if index == 1 {
                    size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? UInt64) ?? 0
                }
            }
            if let a = roundWall[0], let b = roundWall[1] { ratios.append(b / a) }
            if let a = roundCommand[0], let b = roundCommand[1] { commandRatios.append(b / a) }
        }
        for (index, variant) in variants.enumerated() {
            guard let w = wall[index] else { continue }
            let s = Summary(w)
            func ratio(_ list: [Double]) -> String {
                index == 0 ? "1.00×" : (list.isEmpty ? "n/a" : Format.ratio(Summary(list).median))
            }
            recording.add([
                variant.0, Format.seconds(Summary(command[index]!).median), ratio(commandRatios),
                Format.seconds(s.median), "\(Format.seconds(s.min))–\(Format.seconds(s.max))", ratio(ratios),
                Format.grouped(Int(Summary(events[index]!).median)),
                Format.grouped(Int(Summary(lostSubscriber[index]!).median)) + " / "
                    + Format.grouped(Int(Summary(lostKernel[index]!).median)),
                index == 0 ? "" : Self.size(size),
            ])
        }
        recording.note(
            "command s is the flood's own wall time as the library measured it (the root's start to its reap); "
                + "obsctl wall s includes writing the last events; ratios are medians of the per-round pairs; "
                + "events written is obsctl's count of delivered events (medians)")

        // A recording of at least a million events to report on: the flood again, larger by the
        // share the last file run lost, until the file holds enough (three tries at most).
        let wanted = tools.scaled(1_000_000)
        lines = Self.lineCount(file)
        var size2 = size
        var target = opens
        for attempt in 1...3 where lines - 1 < wanted {
            target = Int(Double(target) * Double(wanted) / Double(max(1, lines - 1)) * 1.1)
            common.progress("reporting: recording \(target) opens for a \(wanted)-event recording (try \(attempt))")
            let argv = resolved.obsctlArgv(
                [kit.openflood, kit.floodTarget, "\(target)"], json: true, output: file, summary: true)
            _ = try Launcher.runCapturing(argv)
            lines = Self.lineCount(file)
            size2 = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? UInt64) ?? 0
        }
        size = size2
        guard lines > 0 else {
            reporting.note("skipped: no recording was written")
            return [recording, reporting]
        }
        reporting.note(
            "the recording: \(Format.grouped(lines)) lines (the header and \(Format.grouped(lines - 1)) events), \(Format.mebibytes(size))"
        )
        let commands: [(String, [String])] = [
            ("obsctl report", [obsctl, "report", file, "-o", "/dev/null"]),
            ("obsctl report --json", [obsctl, "report", "--json", file, "-o", dir + "/report.json"]),
            ("obsctl report --html", [obsctl, "report", "--html", file, "-o", dir + "/report.html"]),
            (
                "obsctl export --format perfetto",
                [obsctl, "export", "--format", "perfetto", file, "-o", dir + "/trace"]
            ),
        ]
        common.progress("reporting: \(rounds) rounds of \(commands.count) report commands on \(lines) lines")
        var reportWall: [Int: [Double]] = [:]
        var reportRSS: [Int: [Double]] = [:]
        var outputs: [Int: UInt64] = [:]
        for round in 0..<rounds {
            for i in 0..<commands.count {
                let index = (i + round) % commands.count
                let start = monotonicNs()
                let report = Launcher.capture([kit.peakrss] + commands[index].1)
                let end = monotonicNs()
                let fields = report?.split(separator: "\n").last?.split(separator: " ").compactMap { Int($0) } ?? []
                guard fields.count == 2, fields[1] == 0 else {
                    reporting.note("FAILED: \(commands[index].0) (peakrss said: \(report ?? "nothing"))")
                    continue
                }
                reportWall[index, default: []].append(Double(end - start) / 1e9)
                reportRSS[index, default: []].append(Double(fields[0] * 1024))
                if let out = commands[index].1.last, out != "/dev/null" {
                    outputs[index] = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? UInt64) ?? 0
                }
            }
        }
        for (index, c) in commands.enumerated() {
            guard let w = reportWall[index], let r = reportRSS[index] else { continue }
            let s = Summary(w)
            reporting.add([
                c.0, Format.seconds(s.median), "\(Format.seconds(s.min))–\(Format.seconds(s.max))",
                Format.mebibytes(UInt64(Summary(r).median)), outputs[index].map(Self.size) ?? "",
            ])
        }
        return [recording, reporting]
    }

    /// Newlines in the file, read in chunks (a recording can be hundreds of MiB).
    static func lineCount(_ path: String) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        var count = 0
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            count += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return count
    }

    static func size(_ bytes: UInt64) -> String {
        bytes < 1 << 20 ? Format.fixed(Double(bytes) / 1024, 1) + " KiB" : Format.mebibytes(bytes)
    }
}
