import ObserverReporting
import Plot

/// The tables of issue 18's events, for a recording that counted bytes or saw DNS: files by
/// bytes, peers by host name, DNS names, and what the counts cannot see (io_uring, mmap).
extension Tables {
    static func io(_ report: RunReport) -> Node<HTML.BodyContext> {
        let io = report.io
        guard io.counted else { return .empty }
        return .group(fileBytes(io), peers(io), dns(io))
    }

    static func fileBytes(_ io: IOActivity) -> Node<HTML.BodyContext> {
        let files = io.files.top(Int.max)
        let rows = files.prefix(HTMLReport.maxTableRows).map { e -> ([String], Bool) in
            (
                [
                    e.path, String(e.bytes), String(e.bytesRead), String(e.bytesWritten), String(e.reads),
                    String(e.writes),
                ], false
            )
        }
        var notes = io.ioUringProcesses.map { $0 + ": " + TerminalReport.ioUringNote }
        notes.append(TerminalReport.mmapNote)
        return .group(
            table(
                id: "bytes", title: "Files by bytes",
                headers: ["path", "bytes", "bytes read", "bytes written", "reads", "writes"],
                numeric: [1, 2, 3, 4, 5], rows: Array(rows), cut: max(0, files.count - HTMLReport.maxTableRows)),
            .ul(.id("io-notes"), .class("hint"), .forEach(notes) { .li(.text($0)) }))
    }

    static func peers(_ io: IOActivity) -> Node<HTML.BodyContext> {
        let peers = io.peers.top(Int.max)
        let rows = peers.prefix(HTMLReport.maxTableRows).map { p -> ([String], Bool) in
            (
                [
                    p.name, p.addresses.joined(separator: " "), p.protocols.joined(separator: " "),
                    String(p.connections), String(p.bytesSent), String(p.bytesReceived), String(p.openNs),
                ], false
            )
        }
        return table(
            id: "peers", title: "Network peers by name",
            headers: ["peer", "addresses", "protocols", "connections", "bytes sent", "bytes received", "open ns"],
            numeric: [3, 4, 5, 6], rows: Array(rows), cut: max(0, peers.count - HTMLReport.maxTableRows))
    }

    static func dns(_ io: IOActivity) -> Node<HTML.BodyContext> {
        let names = io.dns.ordered
        let rows = names.prefix(HTMLReport.maxTableRows).map { n -> ([String], Bool) in
            let outcome =
                (n.resolved > 0 ? ["\(n.resolved) resolved"] : [])
                + n.failures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            return (
                [
                    n.query, n.type, String(n.lookups), n.answers.joined(separator: " "),
                    outcome.joined(separator: ", "),
                ],
                n.failed > 0
            )
        }
        return table(
            id: "dns", title: "DNS", headers: ["name", "type", "lookups", "answers", "outcome"], numeric: [2],
            rows: Array(rows), cut: max(0, names.count - HTMLReport.maxTableRows))
    }
}
