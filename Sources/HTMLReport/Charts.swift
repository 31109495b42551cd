import ObserverReporting
import Plot

/// CPU and RSS over time as inline SVG line charts: the tree's total and the three processes
/// with the most sampled CPU, drawn from the samples.
enum Charts {
    static let width = 1000.0
    static let height = 180.0
    static let margin = 48.0
    static let topProcesses = 3

    enum Measure {
        case cpu, rss
        var id: String { self == .cpu ? "cpu-chart" : "rss-chart" }
    }

    /// Each series: its name and points (offset ns, value).
    static func series(_ report: RunReport, _ measure: Measure) -> [(name: String, points: [(UInt64, Double)])] {
        let s = report.samples
        func value(_ p: ResourceSeries.Point) -> Double { measure == .cpu ? p.cpuPercent : Double(p.rssBytes) }
        var out = [("tree total", s.points.map { (report.offsetNs($0.timestampNs), value($0)) })]
        for usage in s.top(topProcesses) where !usage.points.isEmpty {
            out.append(
                ("\(usage.name) \(usage.processID)", usage.points.map { (report.offsetNs($0.timestampNs), value($0)) }))
        }
        return out
    }

    static func node(_ report: RunReport, _ measure: Measure) -> SVG.Node {
        let series = Self.series(report, measure)
        let span = Double(Timeline.span(report))
        let peak = max(series.flatMap { $0.points.map(\.1) }.max() ?? 0, measure == .cpu ? 100 : 1)
        func x(_ offset: UInt64) -> Double { margin + Double(offset) / span * (width - margin - 10) }
        func y(_ value: Double) -> Double { height - 20 - value / peak * (height - 40) }
        let label = { (v: Double) in measure == .cpu ? ReportText.fixed(v, 0) + "%" : ReportText.bytes(UInt64(v)) }
        var children: [SVG.Node] = [
            SVG.element(
                "line",
                attributes: [
                    ("class", "axis"), ("x1", SVG.number(margin)), ("x2", SVG.number(width - 10)),
                    ("y1", SVG.number(y(0))), ("y2", SVG.number(y(0))),
                ]),
            SVG.text(label(peak), x: margin - 4, y: y(peak) + 4, anchor: "end", className: "tick-label"),
            SVG.text(label(0), x: margin - 4, y: y(0) + 4, anchor: "end", className: "tick-label"),
            SVG.text(
                ReportText.seconds(UInt64(span)), x: width - 10, y: height - 4, anchor: "end", className: "tick-label"),
        ]
        for (i, s) in series.enumerated() {
            let points = s.points.map { "\(SVG.number(x($0.0))),\(SVG.number(y($0.1)))" }.joined(separator: " ")
            let peakValue = s.points.map(\.1).max() ?? 0
            children.append(
                SVG.element(
                    "polyline",
                    attributes: [
                        ("class", "series s\(i)"), ("data-series", s.name), ("points", points), ("fill", "none"),
                        ("data-points", String(s.points.count)),
                    ], [SVG.title("\(s.name): peak \(label(peakValue)), \(s.points.count) samples")]))
            children.append(SVG.text(s.name, x: margin + 8 + Double(i) * 200, y: 14, className: "legend s\(i)"))
        }
        return SVG.element(
            "svg",
            attributes: [
                ("id", measure.id), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"),
                ("viewBox", "0 0 \(SVG.number(width)) \(SVG.number(height))"), ("width", SVG.number(width)),
                ("height", SVG.number(height)),
            ], children)
    }
}
