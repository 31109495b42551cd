import ProcessObserver

extension TerminalReport {
    /// Lines of the slowest calls and of the failures by syscall and errno.
    static let syscallLines = 8

    // MARK: 6. syscalls

    /// The SYSCALLS section: the tree's `strace -c` table (`SyscallSummaryText`, what `obsctl
    /// watch -c` prints), each syscall's longest call with its process, the errors by errno and
    /// the paths the failed calls named. A recording without summaries says how to get them.
    func syscalls(_ report: RunReport) -> String {
        let s = report.syscalls
        var out = heading("SYSCALLS")
        guard !s.isEmpty else {
            return out + partialMark(report) + "\n"
                + "  (no syscall summary in the recording: record the run with obsctl watch -c --json -o FILE)\n"
        }
        let calls = s.tree.syscalls.reduce(UInt64(0)) { $0 + $1.calls }
        let errors = s.tree.syscalls.reduce(UInt64(0)) { $0 + $1.errors }
        out +=
            "  " + ReportText.grouped(s.processes.count) + (s.processes.count == 1 ? " process, " : " processes, ")
            + ReportText.count(Int(calls), "call")
            + (errors > 0 ? ", " + failure(ReportText.count(Int(errors), "error")) : "") + partialMark(report) + "\n"
        for line in SyscallSummaryText.table(s.tree).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        {
            out += "  " + line + "\n"
        }
        for (i, call) in s.slowest.prefix(Self.syscallLines).enumerated() {
            out += row(
                i == 0 ? "slowest" : "",
                (call.name + " " + ReportText.duration(call.maxNs)).padded(26) + "\(call.program) [\(call.processID)]"
                    + dim(
                        "  (" + ReportText.count(Int(call.calls), "call") + ", mean "
                            + ReportText.duration(call.meanNs) + ")"))
        }
        if s.slowest.count > Self.syscallLines {
            out += dim("    … \(s.slowest.count - Self.syscallLines) more syscalls") + "\n"
        }
        guard !s.errnos.isEmpty else { return out + row("errors", "0") }
        out += row(
            "errors",
            failure(s.errnos.map { "\($0.errno) ×" + ReportText.grouped(Int($0.count)) }.joined(separator: ", ")))
        for failed in s.failures.prefix(Self.syscallLines) {
            let top = failed.paths.top(3).map { ReportText.cut($0.path, 50) + ($0.count > 1 ? " ×\($0.count)" : "") }
            let more = failed.paths.distinct > 3 ? ", … \(failed.paths.distinct - 3) more" : ""
            let label = failed.syscall + " " + failed.errno + " ×" + ReportText.grouped(Int(failed.count))
            out += "    " + failure(top.isEmpty ? label : label.padded(28)) + top.joined(separator: ", ") + more + "\n"
        }
        if s.failures.count > Self.syscallLines {
            out += dim("    … \(s.failures.count - Self.syscallLines) more (syscall, errno) pairs") + "\n"
        }
        return out
    }
}
