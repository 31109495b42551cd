import ProcessObserver

/// Number and text formatting for reports, without Foundation.
public enum ReportText {
    /// What a filtered recording left out (its header's `filters`), said so that no reader
    /// takes a missing call for one that did not happen: "file and network events filtered in
    /// the kernel: only failed calls, only calls slower than 10ms, only kinds open, connect".
    public static func filters(_ filter: EventFilter) -> String {
        "file and network events filtered in the kernel: " + filterConditions(filter)
    }

    /// The conditions alone: "only failed calls; only kinds open".
    public static func filterConditions(_ filter: EventFilter) -> String {
        var parts: [String] = []
        if filter.failedOnly { parts.append("only failed calls") }
        if filter.slowerThan != nil { parts.append("only calls slower than " + wholeDuration(filter.slowerThanNs)) }
        if let kinds = filter.kinds {
            parts.append("only kinds " + kinds.sorted().map(\.name).joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    /// Nanoseconds in the largest unit that writes them whole: 10ms, 250us, 1500ns, 2s.
    public static func wholeDuration(_ ns: UInt64) -> String {
        if ns >= 1_000_000_000, ns % 1_000_000_000 == 0 { return "\(ns / 1_000_000_000)s" }
        if ns >= 1_000_000, ns % 1_000_000 == 0 { return "\(ns / 1_000_000)ms" }
        if ns >= 1000, ns % 1000 == 0 { return "\(ns / 1000)us" }
        return "\(ns)ns"
    }

    /// `value` with `digits` decimals, rounded half away from zero.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        LineBuffer.string(capacity: 32) { appendFixed(value, digits, to: &$0) }
    }

    /// 1536 → "1.5 KiB".
    public static func bytes(_ count: UInt64) -> String {
        LineBuffer.string(capacity: 32) { appendBytes(count, to: &$0) }
    }

    /// Nanoseconds as seconds with millisecond precision: "1.234s".
    public static func seconds(_ ns: UInt64) -> String {
        let millis = (ns + 500_000) / 1_000_000
        let f = String(millis % 1000)
        return "\(millis / 1000)." + String(repeating: "0", count: 3 - f.count) + f + "s"
    }

    /// 1234567 → "1,234,567".
    public static func grouped(_ value: Int) -> String {
        LineBuffer.string(capacity: 32) { appendGrouped(value, to: &$0) }
    }

    /// `1 path`, `2 paths`, `1,234 opens`.
    public static func count(_ n: Int, _ noun: String) -> String { grouped(n) + " " + noun + (n == 1 ? "" : "s") }

    /// A command line for one line of a report: arguments joined by spaces, those with spaces
    /// or quotes in single quotes, cut to `limit` characters with `…`.
    public static func commandLine(_ argv: [String], limit: Int = 60) -> String {
        let text = argv.map { arg -> String in
            let plain = !arg.isEmpty && arg.allSatisfy { !$0.isWhitespace && !"'\"\\$`;&|<>()*?[]{}!#~".contains($0) }
            return plain ? arg : "'" + arg.replacingAll("'", with: "'\\''") + "'"
        }.joined(separator: " ")
        return cut(text, limit)
    }

    public static func cut(_ text: String, _ limit: Int) -> String {
        let oneLine = String(text.map { $0.isNewline ? " " : $0 })
        return oneLine.count <= limit ? oneLine : String(oneLine.prefix(max(1, limit - 1))) + "…"
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func rightAligned(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

}
