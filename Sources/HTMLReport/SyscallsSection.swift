import ObserverReporting
import Plot

/// The SYSCALLS section of the page (`Docs/REPORT.md`, HTML): the tree's `strace -c` table,
/// each syscall's longest call with its process, and the failures by syscall and errno with the
/// paths the failed calls named, as sortable, filterable tables; a recording without the summary
/// says how to get one.
enum SyscallsSection {
    static func node(_ report: RunReport) -> Node<HTML.BodyContext> {
        let s = report.syscalls
        guard !s.isEmpty else {
            return .section(
                .id("syscalls-section"),
                .h2(.text("Syscalls")),
                .p(
                    .id("syscalls-missing"), .class("hint"),
                    .text(
                        "The recording has no syscall summary: record the run with obsctl watch -c --json -o FILE "
                            + "to count every syscall of the tree.")))
        }
        let totalNs = s.tree.syscalls.reduce(UInt64(0)) { $0 + $1.totalNs }
        // The terminal table's figures (`SyscallSummaryText`): seconds and usecs/call from whole
        // microseconds, as strace computes them.
        let table: [([String], Bool)] = s.tree.syscalls.map { c in
            let share = totalNs == 0 ? 0 : Double(c.totalNs) * 100 / Double(totalNs)
            return (
                [
                    c.name, ReportText.fixed(share, 2), ReportText.fixed(Double(c.totalNs / 1000) / 1e6, 6),
                    String(c.calls == 0 ? 0 : c.totalNs / 1000 / c.calls), String(c.calls), String(c.errors),
                    micros(c.maxNs),
                ], c.errors > 0
            )
        }
        let slowest: [([String], Bool)] = s.slowest.map { call in
            (
                [
                    call.name, micros(call.maxNs), "\(call.program) [\(call.processID)]", String(call.calls),
                    micros(call.meanNs),
                ], false
            )
        }
        var failures: [([String], Bool)] = []
        for f in s.failures {
            let shown = f.paths.top(HTMLReport.maxTableRows)
            if shown.isEmpty {
                failures.append(([f.syscall, f.errno, String(f.count), "", ""], true))
            }
            for entry in shown {
                failures.append(([f.syscall, f.errno, String(f.count), entry.path, String(entry.count)], true))
            }
        }
        return .div(
            .id("syscalls"),
            Tables.table(
                id: "syscalls", title: "Syscalls",
                headers: ["syscall", "% time", "seconds", "usecs/call", "calls", "errors", "longest µs"],
                numeric: [1, 2, 3, 4, 5, 6], rows: table, cut: 0),
            Tables.table(
                id: "syscall-slowest", title: "Slowest calls",
                headers: ["syscall", "longest µs", "process", "calls", "mean µs"], numeric: [1, 3, 4], rows: slowest,
                cut: 0),
            Tables.table(
                id: "syscall-errors", title: "Failed syscalls",
                headers: ["syscall", "errno", "calls", "path", "path calls"], numeric: [2, 4], rows: failures, cut: 0)
        )
    }

    /// A time in microseconds to the nanosecond, a number the table's sort compares as one.
    private static func micros(_ ns: UInt64) -> String { ReportText.fixed(Double(ns) / 1e3, 3) }
}
