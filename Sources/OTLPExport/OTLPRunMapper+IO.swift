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

/// One process's bytes through files and sockets so far, summed from its closes.
struct IOSums: Sendable {
    var fileRead: UInt64 = 0
    var fileWritten: UInt64 = 0
    var received: UInt64 = 0
    var sent: UInt64 = 0
}

/// Byte counts as metrics, per process (a series per file path would be too many), cumulative
/// monotonic sums in bytes with `process.pid` and `process.executable.name`:
/// - `process.network.io` (`network.io.direction` `receive`, `transmit`): the bytes of its sockets,
///   a point per direction at each socket `close`;
/// - `obs.process.file.io` (`disk.io.direction` `read`, `write`): the bytes of its files (pipes and
///   ttys included), at each file `close`. Not `process.disk.io`: these are the bytes the calls
///   moved, page cache hits included, not the storage layer's;
/// - `process.disk.io` (`disk.io.direction`): at its `exit`, the kernel's `read_bytes` and
///   `write_bytes`, the storage-layer counters the samples' `process.disk.io` points carry, so the
///   series ends on the process's final figure.
extension OTLPRunMapper {
    mutating func addCloseIO(_ e: ObserverEvent, read: UInt64, written: UInt64, network: Bool, at ns: UInt64) {
        guard let index = tracker.index(of: e.processID) else { return }
        var sums = ioSums[index] ?? IOSums()
        if network {
            sums.received &+= read
            sums.sent &+= written
        } else {
            sums.fileRead &+= read
            sums.fileWritten &+= written
        }
        ioSums[index] = sums
        let who = processAttributes(e, index)
        if network {
            ready.metrics.append(
                ioSum(
                    "process.network.io", "Bytes the process's sockets sent and received, summed at their closes",
                    [
                        point(sums.received, who + [Attribute.string("network.io.direction", "receive")], at: ns),
                        point(sums.sent, who + [Attribute.string("network.io.direction", "transmit")], at: ns),
                    ]))
        } else {
            ready.metrics.append(
                ioSum(
                    "obs.process.file.io", "Bytes the process read and wrote through its files, summed at their closes",
                    [
                        point(sums.fileRead, who + [Attribute.string("disk.io.direction", "read")], at: ns),
                        point(sums.fileWritten, who + [Attribute.string("disk.io.direction", "write")], at: ns),
                    ]))
        }
    }

    mutating func addExitIO(_ io: ProcessIO, _ e: ObserverEvent, at ns: UInt64) {
        guard let index = tracker.index(of: e.processID) else { return }
        let who = processAttributes(e, index)
        ready.metrics.append(
            ioSum(
                "process.disk.io", "Storage-layer bytes read and written by the process",
                [
                    point(io.readBytes, who + [Attribute.string("disk.io.direction", "read")], at: ns),
                    point(io.writeBytes, who + [Attribute.string("disk.io.direction", "write")], at: ns),
                ]))
    }

    /// `process.pid` and `process.executable.name` (the program the process ran last), as the
    /// samples' points name a process.
    private func processAttributes(_ e: ObserverEvent, _ index: Int) -> [KeyValue] {
        let p = tracker.processes[index]
        return [Attribute.int("process.pid", e.processID), Attribute.string("process.executable.name", p.name)]
    }

    private func point(_ value: UInt64, _ attributes: [KeyValue], at ns: UInt64) -> NumberDataPoint {
        var p = NumberDataPoint()
        p.timeUnixNano = ns
        p.startTimeUnixNano = runStartNs ?? ns
        p.asInt = Int64(clamping: value)
        p.attributes = attributes
        return p
    }

    private func ioSum(_ name: String, _ description: String, _ points: [NumberDataPoint]) -> Metric {
        .cumulativeSum(name, unit: "By", description: description, points: points)
    }
}
