import ObserverReporting
import Plot

/// The files and network tables: one row per (operation, path) and per (kind, address), with a
/// filter box and sortable columns (the page's script does both).
enum Tables {
    static func files(_ report: RunReport) -> Node<HTML.BodyContext> {
        let f = report.files
        var rows: [(String, String, Int, Bool)] = []
        var cut = 0
        func add(_ operation: String, _ counts: PathCounts, failed: Bool = false) {
            for (i, entry) in counts.top(Int.max).enumerated() {
                if i >= HTMLReport.maxTableRows {
                    cut += 1
                    continue
                }
                rows.append((operation, entry.path, entry.count, failed))
            }
        }
        add("read", f.read)
        add("written", f.written)
        add("created", f.created)
        add("mkdir", f.directoriesCreated)
        add("renamed", f.renamed)
        add("deleted", f.deleted)
        for (errno, counts) in f.failures.sorted(by: { $0.key < $1.key }) {
            add("failed " + errno, counts, failed: true)
        }
        return table(
            id: "files", title: "Files", headers: ["operation", "path", "count"], numeric: [2],
            rows: rows.map { ([$0.0, $0.1, String($0.2)], $0.3) }, cut: cut)
    }

    static func network(_ report: RunReport) -> Node<HTML.BodyContext> {
        let n = report.network
        var rows: [([String], Bool)] = []
        for (peer, s) in n.peers.sorted(by: { $0.key < $1.key }) {
            let failures = s.failures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            let detail =
                (["\(s.connected) connected"] + (s.inProgress > 0 ? ["\(s.inProgress) in progress"] : []) + failures)
                .joined(separator: ", ")
            rows.append((["connect", peer, String(s.attempts), detail], s.failed > 0))
        }
        for (address, count) in n.listening.sorted(by: { $0.key < $1.key }) {
            rows.append((["listen", address, String(count), ""], false))
        }
        for (address, count) in n.accepted.sorted(by: { $0.key < $1.key }) {
            rows.append((["accept", address, String(count), ""], false))
        }
        for (address, count) in n.bound.sorted(by: { $0.key < $1.key }) {
            rows.append((["bind", address, String(count), ""], false))
        }
        for (what, count) in n.otherFailures.sorted(by: { $0.key < $1.key }) {
            let parts = what.split(separator: " ", maxSplits: 1).map(String.init)
            rows.append((["failed " + parts[0], parts.count > 1 ? parts[1] : "", String(count), ""], true))
        }
        return table(
            id: "network", title: "Network", headers: ["kind", "address", "count", "outcome"], numeric: [2], rows: rows,
            cut: 0)
    }

    static func table(
        id: String, title: String, headers: [String], numeric: Set<Int>, rows: [([String], Bool)], cut: Int
    ) -> Node<HTML.BodyContext> {
        .section(
            .id("\(id)-section"),
            .h2(.text(title)),
            .input(
                .type(.search), .id("\(id)-filter"), .class("filter"), .placeholder("filter \(title.lowercased())…"),
                .data(named: "table", value: "\(id)-table")),
            .if(rows.isEmpty, .p(.class("hint"), .text("None."))),
            .if(cut > 0, .p(.class("hint"), .text("\(cut) more rows are in obsctl report --json."))),
            .table(
                .id("\(id)-table"),
                .class("data"),
                .thead(
                    .tr(
                        .forEach(headers.enumerated()) { i, header in
                            .th(.data(named: "sort", value: numeric.contains(i) ? "number" : "text"), .text(header))
                        })),
                .tbody(
                    .forEach(rows) { row in
                        .tr(
                            .if(row.1, .class("bad")),
                            .forEach(row.0.enumerated()) { i, cell in
                                .td(.if(numeric.contains(i), .class("num")), .text(cell))
                            })
                    })
            )
        )
    }
}
