import ObserverReporting
import Plot
import ProcessObserver

/// The report as one self-contained HTML page: the run summary, a zoomable timeline of the
/// process tree, CPU and RSS charts, and sortable, filterable tables of files, network peers and
/// syscalls.
///
/// Everything is inline (style, script, SVG drawn from the data): the page makes no network
/// request at all, so a CI artifact opens offline. Built with Plot's typed DSL, which escapes
/// every text and attribute; `Docs/REPORT.md` (HTML) lists the element ids the tests look for.
public enum HTMLReport {
    /// Rows per file or network table; the JSON report has them all.
    static let maxTableRows = 2000

    public static func document(_ report: RunReport) -> String {
        let title = "obsctl report: " + ReportText.commandLine(report.command, limit: 80)
        let html = HTML(
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .title(title),
                .style(ReportAssets.css)
            ),
            .body(
                .h1(.text(title)),
                summary(report),
                .section(
                    .id("timeline-section"),
                    .h2(.text("Timeline")),
                    .p(
                        .class("hint"),
                        .text(
                            "One row per process, from its fork to its exit; ticks mark execs; green exited 0, red failed, "
                                + "grey never seen to exit. Hover for argv, exit and CPU.")),
                    .div(
                        .class("controls"),
                        .button(.id("zoom-in"), .text("zoom in")),
                        .button(.id("zoom-out"), .text("zoom out")),
                        .button(.id("pan-left"), .text("◀")),
                        .button(.id("pan-right"), .text("▶")),
                        .button(.id("zoom-reset"), .text("reset"))
                    ),
                    .div(.class("scroll"), Timeline.node(report)),
                    .if(
                        Timeline.rows(report).count > Timeline.maxRows,
                        .p(.class("hint"), .text("Only the first \(Timeline.maxRows) processes are drawn.")))
                ),
                .section(
                    .id("charts-section"),
                    .h2(.text("CPU and memory")),
                    .if(
                        report.samples.sampleCount == 0,
                        .p(
                            .class("hint"),
                            .text(
                                "No samples: sampling was off (--interval 0) or the run was shorter than one interval.")
                        )
                    ),
                    .h2(.class("chart-title"), .text("CPU, % of one core")),
                    .div(.class("scroll"), Charts.node(report, .cpu)),
                    .h2(.class("chart-title"), .text("RSS")),
                    .div(.class("scroll"), Charts.node(report, .rss))
                ),
                Tables.files(report),
                Tables.network(report),
                Tables.io(report),
                SyscallsSection.node(report),
                .script(.raw(ReportAssets.script))
            )
        )
        return html.render() + "\n"
    }

    /// The run: the same facts as the terminal report's first section.
    static func summary(_ report: RunReport) -> Node<HTML.BodyContext> {
        var rows: [(String, String, Bool)] = []
        rows.append(("command", ReportText.commandLine(report.command, limit: 200), false))
        if let dir = report.workingDirectory, !dir.isEmpty { rows.append(("directory", dir, false)) }
        let failed = report.status.map { $0 != .exited(code: 0) } ?? true
        rows.append(("exit", report.status.map { EventText.exit($0) } ?? "unknown (no exit in the recording)", failed))
        rows.append(("wall", ReportText.seconds(report.wallNs), false))
        if let p = report.profile {
            var cpu =
                "user \(ReportText.seconds(p.userCPUNanoseconds)), system \(ReportText.seconds(p.systemCPUNanoseconds))"
            if let tree = p.tree {
                cpu +=
                    "; tree user \(ReportText.seconds(tree.userCPUNanoseconds)), system \(ReportText.seconds(tree.systemCPUNanoseconds))"
            }
            rows.append(("cpu", cpu, false))
            var memory = "peak rss \(ReportText.bytes(p.peakRSSBytes))"
            if let peak = p.tree?.peakMemoryBytes { memory += ", tree peak \(ReportText.bytes(peak))" }
            rows.append(("memory", memory, false))
        }
        let lost =
            report.profile.map { $0.lostKernel + $0.lostSubscriber } ?? (report.lostKernel + report.lostSubscriber)
        rows.append(("lost events", ReportText.grouped(Int(lost)), lost > 0))
        rows.append(
            (
                "processes", "\(ReportText.grouped(report.processes.count)) (\(report.failedProcesses) failed)",
                report.failedProcesses > 0
            ))
        rows.append(("events", ReportText.grouped(report.eventCounts.values.reduce(0, +)), false))
        if let h = report.header {
            rows.append(
                ("recorded", "\(h.writer) \(h.writerVersion) on \(h.hostName), Linux \(h.kernelRelease)", false))
        }
        let missing = report.missingCapabilities
        if !missing.isEmpty { rows.append(("not observed", missing.joined(separator: "; "), true)) }
        if let note = report.coverage.truncationNote(from: report.header?.clockBase.monotonicNs) {
            rows.append(("note", note, true))
        }
        // A segmented recording or a window: the event counts above cover this range only.
        if let covered = report.coverage.partialNote(clock: report.header?.clockBase) {
            rows.append(("covers", covered + " (counts over events cover this range only)", true))
        }
        return .section(
            .id("summary"),
            .h2(.text("Run")),
            .table(
                .class("summary"),
                .forEach(rows) { row in
                    .tr(.th(.text(row.0)), .td(.if(row.2, .class("bad")), .text(row.1)))
                }
            )
        )
    }
}
