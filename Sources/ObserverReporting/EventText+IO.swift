import ProcessObserver

extension EventText {
    /// A file's `close`: the file, then what was done with it and for how long:
    /// `/etc/passwd read 2.1 KiB in 3 reads`, `/tmp/out wrote 4.0 MiB in 1,024 writes 1.20 s`,
    /// `pipe:[1234] read 0 B in 1 read at exec`. The close reason is named when it was not a
    /// `close` or `close_range` the process asked for.
    public static func fileClose(_ close: FileClose, _ quoting: Quoting = .plain) -> String {
        LineBuffer.string { appendFileClose(close, quoting, to: &$0) }
    }

    /// A socket's `close`: the protocol, the peer and its name, the bytes each way, the time it
    /// was open: `tcp 93.184.216.34:443 (example.com) sent 517 B received 4.2 KiB 1.20 s`.
    public static func socketClose(_ close: SocketClose, _ quoting: Quoting = .plain) -> String {
        LineBuffer.string { appendSocketClose(close, quoting, to: &$0) }
    }

    /// A socket's peer as `address(_:)` words it, `(no peer)` for a socket that had none.
    public static func peer(_ close: SocketClose, _ quoting: Quoting = .plain) -> String {
        close.peer.map { address($0, quoting) } ?? "(no peer)"
    }

    /// A `dns` exchange: the type, the name, the answers, the outcome and the latency:
    /// `A example.com → 93.184.216.34 NOERROR 3.10 ms`, `AAAA nosuch.example NXDOMAIN 1.00 ms`,
    /// `A slow.example no answer`.
    public static func dns(_ exchange: DNSExchange) -> String {
        var parts = [exchange.queryType, exchange.query]
        if !exchange.answers.isEmpty { parts.append("→ " + exchange.answers.map(\.value).joined(separator: ", ")) }
        if let rcode = exchange.responseCode { parts.append(rcode) }
        if exchange.timedOut { parts.append(noAnswer) }
        if let ns = exchange.latencyNs { parts.append(ReportText.duration(ns)) }
        return parts.joined(separator: " ")
    }

    /// How a DNS question that got no answer is worded.
    public static let noAnswer = "no answer"

    /// `1 read`, `3 reads`, `1,024 writes`.
    static func callCount(_ n: UInt64, _ noun: StaticString) -> String {
        LineBuffer.string(capacity: 32) { appendCallCount(n, noun, to: &$0) }
    }

    /// `at exec` (close-on-exec) and `at exit`; nil for a close the process asked for.
    static func closeReason(_ reason: CloseReason) -> String? {
        switch reason {
        case .close, .closeRange: nil
        case .exec: "at exec"
        case .exit: "at exit"
        }
    }

    /// A process's I/O totals from its `exit`: `read 12.0 KiB in 4 calls, wrote 1.0 KiB in 2
    /// calls, storage 8.0 KiB read 0 B written`, and `uses io_uring` when it did.
    public static func processIO(_ io: ProcessIO) -> String {
        var text =
            "read " + ReportText.bytes(io.readChars) + " in " + callCount(io.readCalls, "call") + ", wrote "
            + ReportText.bytes(io.writtenChars) + " in " + callCount(io.writeCalls, "call") + ", storage "
            + ReportText.bytes(io.readBytes) + " read " + ReportText.bytes(io.writeBytes) + " written"
        if io.usesIOUring { text += ", " + usesIOUring }
        return text
    }

    /// How a process that set up io_uring is marked: its io_uring I/O is in no per-file count.
    public static let usesIOUring = "uses io_uring (its io_uring I/O is not counted)"
}
