import ProcessObserver

/// The log attributes of issue 18's kinds: a file's and a socket's `close` (bytes and calls,
/// summed in the kernel) and a `dns` exchange, under OpenTelemetry's semantic conventions' names
/// where they have one (`file.path`, `network.peer.*`, `network.transport`, `dns.question.name`,
/// `dns.answers`) and `obs.` names for the rest.
extension OTLPRunMapper {
    static func fileClose(_ c: FileClose) -> [KeyValue] {
        var a = path(c.path, c.absolutePath)
        a += [
            Attribute.int("obs.fd", c.fd), Attribute.int("obs.io.bytes_read", c.bytesRead),
            Attribute.int("obs.io.bytes_written", c.bytesWritten), Attribute.int("obs.io.reads", c.reads),
            Attribute.int("obs.io.writes", c.writes), Attribute.string("obs.closed_by", c.closedBy.rawValue),
        ]
        if let ns = c.openNs { a.append(Attribute.int("obs.open_ns", ns)) }
        return a
    }

    static func socketClose(_ c: SocketClose) -> [KeyValue] {
        var a = c.peer.map { address($0, absolutePath: nil) } ?? []
        a += [
            Attribute.int("obs.fd", c.fd), Attribute.string("obs.protocol", c.protocol),
            Attribute.int("obs.io.bytes_sent", c.bytesSent), Attribute.int("obs.io.bytes_received", c.bytesReceived),
            Attribute.int("obs.io.sends", c.sends), Attribute.int("obs.io.receives", c.receives),
            Attribute.string("obs.closed_by", c.closedBy.rawValue),
        ]
        if c.protocol == "tcp" || c.protocol == "udp" { a.append(Attribute.string("network.transport", c.protocol)) }
        if let name = c.peerName { a.append(Attribute.string("obs.peer_name", name)) }
        if let ns = c.openNs { a.append(Attribute.int("obs.open_ns", ns)) }
        return a
    }

    static func dns(_ d: DNSExchange) -> [KeyValue] {
        var a = [
            Attribute.string("dns.question.name", d.query), Attribute.string("obs.dns.question.type", d.queryType),
            Attribute.strings("dns.answers", d.answers.map(\.value)),
            Attribute.string("network.peer.address", d.server), Attribute.int("network.peer.port", d.port),
            Attribute.string("network.transport", d.transport.rawValue), Attribute.int("obs.dns.id", d.id),
        ]
        if let rcode = d.responseCode { a.append(Attribute.string("obs.dns.rcode", rcode)) }
        if d.timedOut { a.append(Attribute.bool("obs.dns.timed_out", true)) }
        if !d.resolved { a.append(Attribute.string("error.type", d.responseCode ?? "timeout")) }
        if let ns = d.latencyNs { a.append(Attribute.int("obs.dns.latency_ns", ns)) }
        return a
    }
}
