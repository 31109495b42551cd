/// The members of issue 18's kinds (`close` of a file and of a socket, `dns`) and of an `exit`'s
/// `io` totals, in the order `Docs/EVENTS.md` lists them; `JSONObjectReader+IO` reads them back.
extension JSONBuilder {
    /// A file's `close`: `fd`, `path` and `abs_path`, the counts, `open_ns`, `closed_by`.
    mutating func fileClose(_ close: FileClose) {
        member("fd", close.fd)
        captured(
            close.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
            unreadableKey: "path_unreadable")
        resolved(close.absolutePath, .absolute)
        member("bytes_read", close.bytesRead)
        member("bytes_written", close.bytesWritten)
        member("reads", close.reads)
        member("writes", close.writes)
        if let ns = close.openNs { member("open_ns", ns) }
        member("closed_by", close.closedBy.rawValue)
    }

    /// A socket's `close`: `fd`, `family`, `protocol`, the peer's members as `connect` writes
    /// them (none when it had no peer), `local` as an object of the same shape, the counts,
    /// `open_ns`, `closed_by`, `peer_name`.
    mutating func socketClose(_ close: SocketClose) {
        member("fd", close.fd)
        member("family", close.family)
        member("protocol", close.protocol)
        if let peer = close.peer { socketAddressMembers(peer) }
        if let local = close.local {
            key("local")
            beginObject()
            socketAddress(local)
            endObject()
        }
        member("bytes_sent", close.bytesSent)
        member("bytes_received", close.bytesReceived)
        member("sends", close.sends)
        member("receives", close.receives)
        if let ns = close.openNs { member("open_ns", ns) }
        member("closed_by", close.closedBy.rawValue)
        if let name = close.peerName { member("peer_name", name) }
    }

    /// A `dns` exchange: the question, the answer (`rcode`, or `timed_out`), the server, the
    /// latency and the message id.
    mutating func dnsExchange(_ exchange: DNSExchange) {
        member("query", exchange.query)
        member("qtype", exchange.queryType)
        if let rcode = exchange.responseCode { member("rcode", rcode) }
        if exchange.timedOut { member("timed_out", true) }
        key("answers")
        beginArray()
        for answer in exchange.answers {
            beginObject()
            member("type", answer.type)
            member("value", answer.value)
            member("ttl", answer.ttl)
            endObject()
        }
        endArray()
        member("server", exchange.server)
        member("port", exchange.port)
        member("transport", exchange.transport.rawValue)
        if let ns = exchange.latencyNs { member("latency_ns", ns) }
        member("id", exchange.id)
    }

    /// An `exit`'s `io` object: `/proc/PID/io`'s counters by their names, and `uses_io_uring`.
    mutating func processIO(_ io: ProcessIO) {
        key("io")
        beginObject()
        member("rchar", io.readChars)
        member("wchar", io.writtenChars)
        member("syscr", io.readCalls)
        member("syscw", io.writeCalls)
        member("read_bytes", io.readBytes)
        member("write_bytes", io.writeBytes)
        member("cancelled_write_bytes", io.cancelledWriteBytes)
        member("uses_io_uring", io.usesIOUring)
        endObject()
    }
}
