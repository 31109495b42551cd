import ArgumentParser
import ProcessObserver

/// `--failed-only`, `--slower-than DURATION`, `--kinds LIST`: which file and network events the
/// run sends (`EventFilter`), filtered in the kernel. Lifecycle and process events are kept.
struct FilterOptions: ParsableArguments {
    @Flag(
        name: .customLong("failed-only"),
        help: ArgumentHelp(
            "Only the file and network events whose call failed (returned an error; strace's -Z).",
            discussion: "Lifecycle and process events are always kept; the summary (-c) still counts every call."))
    var failedOnly = false

    @Option(
        name: .customLong("slower-than"),
        help: ArgumentHelp(
            "Only the file and network events whose call took longer than this (250us, 10ms, 1.5s; a bare "
                + "number is seconds).", valueName: "duration"))
    var slowerThan: String?

    @Option(
        name: .customLong("kinds"),
        help: ArgumentHelp(
            "Only these kinds of file and network events: a comma list of "
                + StreamedKind.all.map(\.name).joined(separator: ", ") + ".", valueName: "list"))
    var kinds: String?

    func validate() throws {
        if let slowerThan, Self.nanoseconds(slowerThan) == nil {
            throw ValidationError(
                "--slower-than must be a duration: a number ≥ 0 with ns, us, ms or s (a bare number is seconds), "
                    + "such as 250us or 10ms: \(slowerThan)")
        }
        if let kinds { _ = try Self.kinds(kinds) }
    }

    /// The filter these flags ask for (`validate()` has rejected what does not parse).
    var filter: EventFilter {
        EventFilter(
            failedOnly: failedOnly, slowerThan: slowerThan.flatMap(Self.nanoseconds).map { .nanoseconds(Int64($0)) },
            kinds: kinds.flatMap { try? Self.kinds($0) })
    }

    /// `250us` → 250,000; nil for what is not a duration ≥ 0 with a known unit.
    static func nanoseconds(_ text: String) -> UInt64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9)]
        var number = Substring(text)
        var scale = 1e9
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value.isFinite, value * scale < 9.2e18
        else { return nil }
        return UInt64((value * scale).rounded())
    }

    /// The kinds of a comma list, each one a file or network kind.
    static func kinds(_ list: String) throws -> Set<StreamedKind> {
        var out: Set<StreamedKind> = []
        for name in list.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(name)
            guard let kind = StreamedKind(name) else {
                throw ValidationError(
                    "--kinds: \"\(name)\" is not a kind of file or network event; the kinds are "
                        + StreamedKind.all.map(\.name).joined(separator: ", ") + ".")
            }
            out.insert(kind)
        }
        return out
    }
}
