import ObserverReporting
import Plot
import ProcessObserver

/// The timeline: one row per process from its fork to its exit, in tree order (children under
/// their parent, indented), exec points marked, coloured by outcome, a tooltip per process with
/// its argv, exit and CPU. Positions are drawn here, so the page reads without script; the
/// page's script re-draws them from the `data-start`/`data-end` offsets to zoom and pan.
enum Timeline {
    static let labelWidth = 280.0
    static let plotWidth = 1000.0
    static let rowHeight = 18.0
    static let axisHeight = 24.0
    /// Rows drawn at most; the rest are counted in a note.
    static let maxRows = 3000

    /// The processes in tree order, with their depth.
    static func rows(_ report: RunReport) -> [(index: Int, depth: Int)] {
        var out: [(Int, Int)] = []
        func walk(_ index: Int, _ depth: Int) {
            out.append((index, depth))
            for child in report.processes[index].children { walk(child, depth + 1) }
        }
        for root in report.roots { walk(root, 0) }
        return out
    }

    /// The span the axis covers, in ns from the origin.
    static func span(_ report: RunReport) -> UInt64 {
        max(1, report.wallNs, report.offsetNs(report.lastTimestampNs))
    }

    static func node(_ report: RunReport) -> SVG.Node {
        let rows = Self.rows(report)
        let drawn = rows.prefix(maxRows)
        let span = Double(Self.span(report))
        func x(_ offset: UInt64) -> Double { labelWidth + Double(offset) / span * plotWidth }
        let height = axisHeight + Double(drawn.count) * rowHeight + 4
        var children: [SVG.Node] = axis(spanNs: span, height: height)
        for (row, entry) in drawn.enumerated() {
            let p = report.processes[entry.index]
            let y = axisHeight + Double(row) * rowHeight
            let start = report.offsetNs(p.startNs)
            let end = report.offsetNs(p.exitNs ?? report.lastTimestampNs)
            let outcome = p.failed ? "failed" : (p.status == nil ? "unknown" : "ok")
            let label = p.name + " " + String(p.processID)
            let indent = 4 + Double(min(entry.depth, 12)) * 10
            var tooltip = ReportText.commandLine(p.argv) + "\npid \(p.processID)"
            if let ppid = p.parentProcessID { tooltip += ", parent \(ppid)" }
            tooltip += "\nstart +\(ReportText.seconds(start)), wall \(ReportText.seconds(report.wallNs(of: p)))"
            tooltip += "\n" + (p.status.map { EventText.exit($0, killedByOOM: p.killedByOOM) } ?? "no exit seen")
            if let peak = EventText.peakRSS(p) { tooltip += "\n" + peak }
            if let cpu = p.sampledCPUNs { tooltip += "\nsampled CPU \(ReportText.seconds(cpu))" }
            if let failedExec = p.failedExec {
                tooltip += "\n" + EventText.call("exec", errno: failedExec.errno, failedExec.path)
            }
            var bar: [SVG.Node] = [
                SVG.text(ReportText.cut(label, 36), x: indent, y: y + 13, className: "row-label"),
                SVG.element(
                    "rect",
                    attributes: [
                        ("class", "proc \(outcome)"), ("x", SVG.number(x(start))), ("y", SVG.number(y + 3)),
                        ("width", SVG.number(max(1, x(end) - x(start)))), ("height", SVG.number(rowHeight - 6)),
                        ("data-start", String(start)), ("data-end", String(end)), ("data-pid", String(p.processID)),
                    ], [SVG.title(tooltip)]),
            ]
            for e in p.execs where e.errno == nil {
                let at = report.offsetNs(e.timestampNs)
                bar.append(
                    SVG.element(
                        "line",
                        attributes: [
                            ("class", "exec"), ("x1", SVG.number(x(at))), ("x2", SVG.number(x(at))),
                            ("y1", SVG.number(y + 1)), ("y2", SVG.number(y + rowHeight - 1)), ("data-at", String(at)),
                        ], [SVG.title("exec \(e.path) at +\(ReportText.seconds(at))")]))
            }
            children.append(SVG.element("g", ["class": "row", "data-pid": String(p.processID)], bar))
        }
        return SVG.element(
            "svg",
            attributes: [
                ("id", "timeline"), ("xmlns", "http://www.w3.org/2000/svg"),
                ("viewBox", "0 0 \(SVG.number(labelWidth + plotWidth + 10)) \(SVG.number(height))"),
                ("width", SVG.number(labelWidth + plotWidth + 10)), ("height", SVG.number(height)),
                ("data-span", String(Int(span))), ("data-label-width", SVG.number(labelWidth)),
                ("data-plot-width", SVG.number(plotWidth)),
            ], children)
    }

    /// Five ticks along the top, in seconds from the start; the script re-labels them on zoom.
    static func axis(spanNs: Double, height: Double) -> [SVG.Node] {
        (0...4).map { i in
            let fraction = Double(i) / 4
            let xPos = labelWidth + fraction * plotWidth
            return SVG.element(
                "g", ["class": "tick", "data-fraction": String(fraction)],
                [
                    SVG.element(
                        "line",
                        attributes: [
                            ("x1", SVG.number(xPos)), ("x2", SVG.number(xPos)), ("y1", "16"),
                            ("y2", SVG.number(height)),
                            ("class", "grid"),
                        ]),
                    SVG.text(
                        ReportText.seconds(UInt64(fraction * spanNs)), x: xPos, y: 12,
                        anchor: i == 4 ? "end" : "middle",
                        className: "tick-label"),
                ])
        }
    }
}
