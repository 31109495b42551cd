import ArgumentParser
import ProcessObserver
import SystemPackage

/// `obsctl capabilities`: what this machine can observe, and why not when it cannot.
struct CapabilitiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capabilities",
        abstract: "Show which event categories this machine can observe, and why not when it cannot.",
        discussion: """
            One line per category (lifecycle, file, network, process) plus one for perf \
            sampling and one for run containment (a cgroup per run). With --json: one JSON array of objects with the keys category, support, \
            backend, reason, missing and remedy.
            """
    )

    @OptionGroup var output: OutputOptions

    func run() throws {
        if output.verbose { EBPFBackend.verbose = true }
        // The probe's test load is released before negotiate() returns; this only makes sure.
        defer { ObserverCleanup.waitForReleases() }
        let capabilities = ObserverCapabilities.negotiate()
        let out = BufferedOutput(fd: .standardOutput)
        if output.json {
            out.write(CapabilitiesJSON.array(capabilities) + "\n")
        } else {
            out.write(Self.table(capabilities))
        }
        out.flush()
    }

    /// The aligned table: one row per category, then `sampling` and `containment`; a `remedy:` line under any row
    /// that has one.
    static func table(_ capabilities: ObserverCapabilities) -> String {
        var rows: [(String, String, String, String, String?)] = capabilities.categories.map {
            let reason =
                $0.missing.isEmpty ? $0.reason : "\($0.reason) (missing: \($0.missing.joined(separator: ", ")))"
            return ($0.category.rawValue, $0.support.rawValue, $0.backend, reason, $0.remedy)
        }
        let s = capabilities.sampling
        rows.append(("sampling", s.support.rawValue, s.backend, s.reason, s.remedy))
        let c = capabilities.containment
        rows.append(("containment", c.support.rawValue, c.backend, c.reason, c.remedy))
        let header = ("CATEGORY", "SUPPORT", "BACKEND", "REASON")
        let w0 = max(header.0.count, rows.map(\.0.count).max() ?? 0)
        let w1 = max(header.1.count, rows.map(\.1.count).max() ?? 0)
        let w2 = max(header.2.count, rows.map(\.2.count).max() ?? 0)
        func line(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
            a.padded(w0) + "  " + b.padded(w1) + "  " + c.padded(w2) + "  " + d + "\n"
        }
        var text = line(header.0, header.1, header.2, header.3)
        for row in rows {
            text += line(row.0, row.1, row.2, row.3)
            if let remedy = row.4 { text += line("", "", "", "remedy: " + remedy) }
        }
        return text
    }
}

extension String {
    /// Left-aligned in a column of `width` characters.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// Right-aligned in a column of `width` characters.
    func rightAligned(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
