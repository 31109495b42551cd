/// `EventJSON+IO` read back: the members of a file's and a socket's `close`, of `dns`, and an
/// `exit`'s `io`.
extension JSONObjectReader {
    func fileClose() throws(DecodingFailure) -> FileClose {
        FileClose(
            fd: try int("fd"),
            path: try captured(
                "path", b64Key: "path_b64", truncatedKey: "path_truncated", unreadableKey: "path_unreadable"),
            absolutePath: try resolved(.absolute), bytesRead: try int("bytes_read"),
            bytesWritten: try int("bytes_written"), reads: try int("reads"), writes: try int("writes"),
            openNs: try optionalInt("open_ns"), closedBy: try closeReason())
    }

    func socketClose() throws(DecodingFailure) -> SocketClose {
        // The peer's members follow the socket's `family`; a socket without a peer has none of them.
        let peerKeys = ["address", "path", "family_number", "address_unreadable", "address_requested"]
        let peer = peerKeys.contains(where: has) ? try socketAddress() : nil
        var local: SocketAddress?
        if let value = value("local") { local = try JSONObjectReader(value, member: "local").socketAddress() }
        return SocketClose(
            fd: try int("fd"), family: try string("family"), protocol: try string("protocol"), peer: peer,
            local: local, bytesSent: try int("bytes_sent"), bytesReceived: try int("bytes_received"),
            sends: try int("sends"), receives: try int("receives"), openNs: try optionalInt("open_ns"),
            closedBy: try closeReason(), peerName: try optionalString("peer_name"))
    }

    func dnsExchange() throws(DecodingFailure) -> DNSExchange {
        var answers: [DNSExchange.Answer] = []
        for element in try array("answers") {
            let a = try JSONObjectReader(element, member: "answers")
            answers.append(
                DNSExchange.Answer(type: try a.string("type"), value: try a.string("value"), ttl: try a.int("ttl")))
        }
        guard let transport = DNSExchange.Transport(rawValue: try string("transport")) else {
            throw DecodingFailure(member: "transport", problem: "is not udp or tcp")
        }
        return DNSExchange(
            query: try string("query"), queryType: try string("qtype"), responseCode: try optionalString("rcode"),
            timedOut: try flag("timed_out"), answers: answers, server: try string("server"), port: try int("port"),
            transport: transport, latencyNs: try optionalInt("latency_ns"), id: try int("id"))
    }

    /// An `exit`'s `io` object, nil when absent.
    func processIO() throws(DecodingFailure) -> ProcessIO? {
        guard let value = value("io") else { return nil }
        let io = try JSONObjectReader(value, member: "io")
        return ProcessIO(
            readChars: try io.int("rchar"), writtenChars: try io.int("wchar"), readCalls: try io.int("syscr"),
            writeCalls: try io.int("syscw"), readBytes: try io.int("read_bytes"), writeBytes: try io.int("write_bytes"),
            cancelledWriteBytes: try io.int("cancelled_write_bytes"), usesIOUring: try io.bool("uses_io_uring"))
    }

    private func closeReason() throws(DecodingFailure) -> CloseReason {
        guard let reason = CloseReason(rawValue: try string("closed_by")) else {
            throw DecodingFailure(member: "closed_by", problem: "is not close, close_range, exec or exit")
        }
        return reason
    }
}
