import ProcessObserver

/// The terminal report's parts from issue 18's events: files by bytes (in FILES), peers by host
/// name with their bytes (in NETWORK), the DNS section, and what the counts cannot see. Each is
/// empty for a recording without byte counting, so older recordings read as they did.
extension TerminalReport {
    /// FILES' `by bytes` table: the files with the most bytes read and written, with the calls.
    func fileBytes(_ report: RunReport) -> String {
        let io = report.io
        guard io.counted else { return "" }
        let f = io.files
        var out = row(
            "by bytes",
            f.isEmpty
                ? "0 (no file was closed after I/O)"
                : ReportText.count(f.distinct, "file") + ", read " + ReportText.bytes(f.total.bytesRead) + " in "
                    + EventText.callCount(f.total.reads, "read") + ", wrote " + ReportText.bytes(f.total.bytesWritten)
                    + " in " + EventText.callCount(f.total.writes, "write")
                    + (f.overflow > 0 ? " (\(f.overflow) closes on files past the first \(FileBytes.capacity))" : ""))
        for e in f.top(pathLines) {
            out +=
                "    " + ReportText.bytes(e.bytes).rightAligned(10) + "  " + e.path + dim("  (" + Self.calls(e) + ")")
                + "\n"
        }
        if f.distinct > pathLines { out += dim("    … \(f.distinct - pathLines) more files") + "\n" }
        out += ioNotes(report)
        return out
    }

    /// `read 2.0 KiB in 3 reads, wrote 0 B in 0 writes` for one file.
    static func calls(_ e: FileBytes.Entry) -> String {
        "read " + ReportText.bytes(e.bytesRead) + " in " + EventText.callCount(e.reads, "read") + ", wrote "
            + ReportText.bytes(e.bytesWritten) + " in " + EventText.callCount(e.writes, "write")
    }

    /// What the byte counts cannot see: io_uring (named per process when one used it) and mmap.
    func ioNotes(_ report: RunReport) -> String {
        var out = ""
        let uring = report.io.ioUringProcesses
        if !uring.isEmpty {
            let named = uring.prefix(5).joined(separator: ", ") + (uring.count > 5 ? ", … \(uring.count - 5) more" : "")
            out += row("io_uring", failure(named + ": " + Self.ioUringNote))
        }
        out += row("", dim(Self.mmapNote))
        return out
    }

    /// Why a process that set up io_uring has bytes missing.
    public static let ioUringNote = "used io_uring; its io_uring I/O is not in these counts"
    /// The one kind of I/O no count ever holds.
    public static let mmapNote = "I/O through mmap is never counted"

    /// NETWORK's `traffic` table: peers by host name with sockets, bytes each way and time open.
    func peerTraffic(_ report: RunReport) -> String {
        let p = report.io.peers
        guard !p.isEmpty else { return "" }
        var out = ""
        for (i, peer) in p.top(pathLines).enumerated() {
            var text =
                ReportText.cut(peer.name, 40).padded(42) + ReportText.count(peer.connections, "connection")
                + ", sent " + ReportText.bytes(peer.bytesSent) + ", received " + ReportText.bytes(peer.bytesReceived)
            if peer.timedConnections > 0 {
                text += ", open " + ReportText.duration(peer.openNs)
                if peer.timedConnections > 1 { text += " (longest " + ReportText.duration(peer.longestOpenNs) + ")" }
            }
            if peer.addresses.count > 0, peer.addresses != [peer.name] {
                text += dim("  " + peer.addresses.prefix(3).joined(separator: ", "))
            }
            out += row(i == 0 ? "traffic" : "", text)
        }
        if p.peers.count > pathLines { out += dim("    … \(p.peers.count - pathLines) more peers") + "\n" }
        return out
    }

    /// The DNS section (none for a recording that counted nothing): names resolved, their
    /// answers, the failures.
    func dnsSection(_ report: RunReport) -> [String] {
        guard report.io.counted else { return [] }
        let d = report.io.dns
        var out = heading("DNS") + partialMark(report) + "\n"
        if let capability = report.header?.capabilities.first(where: { $0.category == "network" }),
            !capability.delivered
        {
            return [
                out
                    + "  (not observed: the network category was \(capability.observed ? "unavailable" : "not asked for"))\n"
            ]
        }
        guard !d.isEmpty else { return [out + "  (no DNS lookups seen)\n"] }
        var summary = ReportText.count(d.lookups, "lookup") + ", " + ReportText.count(d.names.count, "name")
        if d.failed > 0 {
            summary += failure(
                ", \(d.failed) failed ("
                    + d.failures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    + ")")
        }
        out += row("lookups", summary)
        let resolved = d.ordered.filter { $0.resolved > 0 }
        for (i, name) in resolved.prefix(pathLines).enumerated() {
            var text = ReportText.cut(name.query + " " + name.type, 40).padded(42) + "×\(name.lookups)"
            text += name.answers.isEmpty ? "  (no records)" : "  → " + name.answers.prefix(4).joined(separator: ", ")
            if name.answers.count > 4 { text += ", …" }
            if name.answered > 0 { text += dim("  " + ReportText.duration(name.latencyNs / UInt64(name.answered))) }
            out += row(i == 0 ? "resolved" : "", text)
        }
        if resolved.count > pathLines { out += dim("    … \(resolved.count - pathLines) more names") + "\n" }
        for (i, name) in d.failing.prefix(pathLines).enumerated() {
            let text =
                ReportText.cut(name.query + " " + name.type, 40).padded(42)
                + name.failures.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            out += row(i == 0 ? "failed" : "", failure(text))
        }
        return [out]
    }
}
