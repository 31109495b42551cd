import ProcessObserver

/// The syscall summary as `strace -c` prints it: `% time`, `seconds`, `usecs/call`, `calls`,
/// `errors`, `syscall`, by time spent (most first), then a `total` line; for `obsctl watch -c`.
///
/// Widths and rounding are strace's (`%6.2f %11.6f %11lu %9u %9.u %s`): an error count of 0 is
/// left blank, `usecs/call` is the total in whole microseconds divided by the calls.
public enum SyscallSummaryText {
    /// The table of `summary`; just the header and a zero total when it lists nothing.
    public static func table(_ summary: SyscallSummary) -> String {
        let rule = "------ ----------- ----------- --------- --------- ----------------"
        var lines = ["% time     seconds  usecs/call     calls    errors syscall", rule]
        let totalNs = summary.syscalls.reduce(UInt64(0)) { $0 + $1.totalNs }
        var calls: UInt64 = 0
        var errors: UInt64 = 0
        for count in summary.syscalls {
            calls += count.calls
            errors += count.errors
            let share = totalNs == 0 ? 0 : Double(count.totalNs) * 100 / Double(totalNs)
            lines.append(row(share, count.totalNs, count.calls, count.errors, count.name))
        }
        lines.append(rule)
        lines.append(row(totalNs == 0 ? 0 : 100, totalNs, calls, errors, "total"))
        if summary.dropped > 0 {
            lines.append("(\(summary.dropped) calls not counted: the kernel's summary map was full)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func row(_ share: Double, _ ns: UInt64, _ calls: UInt64, _ errors: UInt64, _ name: String)
        -> String
    {
        let micros = ns / 1000
        let perCall = calls == 0 ? 0 : micros / calls
        return pad(ReportText.fixed(share, 2), 6) + " " + pad(seconds(ns), 11) + " " + pad(String(perCall), 11) + " "
            + pad(String(calls), 9) + " " + pad(errors == 0 ? "" : String(errors), 9) + " " + name
    }

    /// Seconds with six decimals (microseconds), as strace writes them.
    private static func seconds(_ ns: UInt64) -> String {
        let micros = ns / 1000
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
