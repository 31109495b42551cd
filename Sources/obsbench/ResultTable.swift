/// A table printed either aligned for a terminal or as GitHub Markdown for `Docs/BENCHMARKS.md`.
struct ResultTable {
    enum Alignment { case left, right }

    let title: String
    let columns: [(name: String, alignment: Alignment)]
    private(set) var rows: [[String]] = []
    /// Lines printed under the table: caveats such as an inactive category or a missed target.
    private(set) var notes: [String] = []

    init(title: String, columns: [(String, Alignment)]) {
        self.title = title
        self.columns = columns.map { (name: $0.0, alignment: $0.1) }
    }

    mutating func add(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells, table has \(columns.count) columns")
        rows.append(row)
    }

    mutating func note(_ line: String) { notes.append(line) }

    func render(markdown: Bool) -> String {
        markdown ? renderMarkdown() : renderPlain()
    }

    private func renderPlain() -> String {
        var widths = columns.map { $0.name.count }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return columns[i].alignment == .left ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        var out = "== \(title) ==\n"
        out += line(columns.map(\.name)) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(row) + "\n" }
        for note in notes { out += "  * " + note + "\n" }
        return out
    }

    private func renderMarkdown() -> String {
        func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        var out = "#### \(title)\n\n"
        out += "| " + columns.map { escape($0.name) }.joined(separator: " | ") + " |\n"
        out += "|" + columns.map { $0.alignment == .left ? " --- |" : " ---: |" }.joined() + "\n"
        for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        if !notes.isEmpty {
            out += "\n"
            for note in notes { out += "- " + note + "\n" }
        }
        return out
    }
}

extension String {
    /// Foundation-free `replacingOccurrences` for one-character needles.
    fileprivate func replacingOccurrences(of needle: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == needle { out += replacement } else { out.append(ch) } }
        return out
    }
}
