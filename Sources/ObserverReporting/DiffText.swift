/// A diff for a terminal: the sections of `Docs/DIFF.md` in their order (programs, files,
/// network, failures, resources, completeness, then the gates when asked for), `+` for a name
/// the new run added and `-` for one it no longer has, colour only when asked.
public struct DiffText {
    public var colour: Bool
    /// Names listed per set and direction before `… N more` (`--json` has them all).
    public var listLimit = 20

    public init(colour: Bool) { self.colour = colour }

    /// The rule, in one sentence, for the output (`NameNormaliser` has it whole).
    public static let normalisationRule =
        "names are compared as patterns (Docs/DIFF.md): the run's own cgroup is **, numbers and random parts *"

    private func paint(_ text: String, _ sgr: String) -> String { colour ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text }
    private func heading(_ text: String) -> String { paint(text, "1") }
    private func added(_ text: String) -> String { paint(text, "31") }
    private func removed(_ text: String) -> String { paint(text, "32") }
    private func warn(_ text: String) -> String { paint(text, "33") }
    private func row(_ label: String, _ value: String) -> String { "  " + label.padded(20) + value + "\n" }

    public func render(_ diff: RunDiff, gates: DiffGates = DiffGates(), allowIncomplete: Bool = false) -> String {
        var out = heading("DIFF") + "  " + DiffText.runs(diff) + "\n"
        for side in diff.bases + [diff.new] {
            out += row(side.label, side.name + "  " + ReportText.commandLine(side.command, limit: 60))
        }
        out += "  " + DiffText.normalisationRule + "\n"
        if !diff.ignored.isEmpty { out += row("ignored", diff.ignored.map(\.description).joined(separator: " ")) }
        var section = ""
        for change in diff.sets {
            if change.set.section != section {
                section = change.set.section
                out += "\n" + heading(section.uppercased()) + "\n"
            }
            out += setRows(change)
        }
        out += "\n" + resources(diff)
        out += "\n" + completeness(diff)
        if !gates.isEmpty { out += "\n" + self.gates(diff, gates, allowIncomplete) }
        return out
    }

    /// `run1.jsonl → run2.jsonl`, `3 bases → run4.jsonl`.
    static func runs(_ diff: RunDiff) -> String {
        (diff.bases.count == 1 ? diff.bases[0].name : "\(diff.bases.count) bases (median, union)") + " → "
            + diff.new.name
    }

    private func setRows(_ change: RunDiff.SetChange) -> String {
        let label = change.set.title.replacingPrefix("files ", "")
        guard !change.isEmpty else { return row(label, "no change") }
        var out = row(label, "+\(change.added.count) -\(change.removed.count)")
        for (entries, sign) in [(change.added, "+"), (change.removed, "-")] {
            for entry in entries.prefix(listLimit) {
                let line = "    \(sign) \(entry.name) ×\(entry.count)"
                out += (sign == "+" ? added(line) : removed(line)) + "\n"
            }
            if entries.count > listLimit { out += "    … \(entries.count - listLimit) more\n" }
        }
        return out
    }

    /// A figure in its unit.
    static func value(_ value: UInt64?, _ measure: DiffMeasure) -> String {
        guard let value else { return "–" }
        switch measure.unit {
        case .nanoseconds: return ReportText.seconds(value)
        case .bytes: return ReportText.bytes(value)
        case .count: return ReportText.grouped(Int(value))
        }
    }

    static func ratio(_ ratio: Double?) -> String { ratio.map { ReportText.fixed($0, 2) } ?? "–" }

    private func resources(_ diff: RunDiff) -> String {
        var out =
            heading("RESOURCES") + String(repeating: " ", count: 13) + "base".rightAligned(12)
            + "new".rightAligned(12) + "ratio".rightAligned(8) + "\n"
        for figure in diff.figures {
            out +=
                "  " + figure.measure.rawValue.padded(20) + Self.value(figure.base, figure.measure).rightAligned(12)
                + Self.value(figure.new, figure.measure).rightAligned(12) + Self.ratio(figure.ratio).rightAligned(8)
                + "\n"
        }
        return out
    }

    private func completeness(_ diff: RunDiff) -> String {
        var out = heading("COMPLETENESS") + "\n"
        for side in diff.bases + [diff.new] {
            out += row(side.label, side.complete ? "complete" : warn(side.problems.joined(separator: "; ")))
        }
        for difference in diff.differences { out += row("differs", warn(difference)) }
        out += row(
            "comparison", diff.complete ? "sound: both sides observed completely and alike" : warn("cannot be trusted"))
        return out
    }

    private func gates(_ diff: RunDiff, _ gates: DiffGates, _ allowIncomplete: Bool) -> String {
        var out = heading("GATES") + "\n"
        switch diff.verdict(gates, allowIncomplete: allowIncomplete) {
        case .passed:
            out += row("passed", "no gate violated" + (diff.complete ? "" : warn(" (incomplete comparison allowed)")))
        case .violated(let violations):
            for v in violations { out += added("  ✗ " + DiffText.violation(v)) + "\n" }
        case .untrusted:
            out +=
                warn("  ? the comparison cannot be trusted (see COMPLETENESS); --allow-incomplete gates it anyway")
                + "\n"
        }
        return out
    }

    /// `new-exec /usr/bin/touch`, `wall 1.35 > 1.20`.
    public static func violation(_ v: DiffViolation) -> String {
        if let name = v.name { return v.gate + " " + name }
        return v.gate + " " + ratio(v.ratio) + " > " + ratio(v.limit)
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, _ replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
