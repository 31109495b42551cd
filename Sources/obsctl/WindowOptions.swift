import ArgumentParser
import ProcessObserver

/// `--since` and `--until`: the window of a recording to read, as RFC 3339 times.
struct WindowOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only events at or after this time (RFC 3339: 2026-12-07T19:44:00Z, or with an offset such as +02:00).",
            valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Only events at or before this time (RFC 3339).", valueName: "time"))
    var until: String?

    func validate() throws {
        for (flag, value) in [("--since", since), ("--until", until)] {
            if let value, RFC3339.parse(value) == nil {
                throw ValidationError(
                    "\(flag) must be an RFC 3339 time such as 2026-12-07T19:44:00Z or 2026-12-07T20:44:00+01:00: "
                        + value)
            }
        }
        if let from = sinceNs, let to = untilNs, from > to {
            throw ValidationError("--since (\(since!)) is after --until (\(until!)).")
        }
    }

    var sinceNs: Int64? { since.flatMap(RFC3339.parse) }
    var untilNs: Int64? { until.flatMap(RFC3339.parse) }
}
