/// A diff as Markdown, for a pull-request comment: the verdict first when gates were asked for,
/// then each section with a change (sets as lists, figures as a table), then completeness.
public enum DiffMarkdown {
    /// Names listed per set and direction before `… N more`.
    public static let listLimit = 50

    public static func document(_ diff: RunDiff, gates: DiffGates, allowIncomplete: Bool) -> String {
        var out = "### obsctl diff: \(code(DiffText.runs(diff)))\n\n"
        if !gates.isEmpty {
            switch diff.verdict(gates, allowIncomplete: allowIncomplete) {
            case .passed: out += "**Gates passed**: no gate violated.\n\n"
            case .violated(let violations):
                out += "**Gates failed** (\(violations.count)):\n\n"
                for v in violations { out += "- ❌ " + code(DiffText.violation(v)) + "\n" }
                out += "\n"
            case .untrusted:
                out += "**Gates not judged**: the comparison cannot be trusted (see Completeness).\n\n"
            }
        }
        var section = ""
        var changed = false
        for change in diff.sets where !change.isEmpty {
            if change.set.section != section {
                section = change.set.section
                out += "#### " + section.prefix(1).uppercased() + section.dropFirst() + "\n\n"
            }
            changed = true
            out += "**\(change.set.title)**: +\(change.added.count) −\(change.removed.count)\n\n"
            for (entries, sign) in [(change.added, "+"), (change.removed, "−")] {
                for entry in entries.prefix(listLimit) { out += "- \(sign) \(code(entry.name)) ×\(entry.count)\n" }
                if entries.count > listLimit { out += "- … \(entries.count - listLimit) more\n" }
            }
            out += "\n"
        }
        if !changed { out += "No program, file, network or failure changed.\n\n" }
        out += "#### Resources\n\n| | base | new | ratio |\n|---|---:|---:|---:|\n"
        for figure in diff.figures {
            out +=
                "| \(figure.measure.rawValue) | \(DiffText.value(figure.base, figure.measure)) | "
                + "\(DiffText.value(figure.new, figure.measure)) | \(DiffText.ratio(figure.ratio)) |\n"
        }
        out += "\n#### Completeness\n\n"
        if diff.complete {
            out += "Both sides were observed completely and alike.\n"
        } else {
            for reason in diff.incomplete { out += "- ⚠️ \(reason)\n" }
        }
        out += "\n<sub>" + DiffText.normalisationRule.replacingAll("*", with: "\\*")
        if !diff.ignored.isEmpty {
            out += "; ignored: " + diff.ignored.map { code($0.description) }.joined(separator: ", ")
        }
        return out + "</sub>\n"
    }

    /// Inline code that holds any backticks in the text.
    static func code(_ text: String) -> String {
        let fence = text.contains("`") ? "`` " : "`"
        return fence + text + (fence == "`" ? "`" : " ``")
    }
}
