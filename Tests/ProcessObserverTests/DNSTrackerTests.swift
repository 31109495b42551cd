import Testing

@testable import ProcessObserver

@Suite("DNS: queries paired with answers, and the address → name table")
struct DNSTrackerTests {
    static let server = DNSPayload.Endpoint(address: "127.0.0.1", port: 53)
    static let client = DNSPayload.Endpoint(address: "127.0.0.1", port: 40_000)

    // Captured glibc queries and the tests' server's answers (DNSMessageTests has their sources).
    static let queryA = hexBytes("3cde0100000100000000000003737663036f627304746573740000010001")
    static let answerA = hexBytes(
        "3cde8180000100010000000003737663036f627304746573740000010001c00c000100010000003c00047f00004d")
    static let queryAAAA = hexBytes("e8d90100000100000000000003737663036f6273047465737400001c0001")
    static let answerAAAA = hexBytes(
        "e8d98180000100010000000003737663036f6273047465737400001c0001c00c001c00010000003c0010fd000000000000000000000000000077"
    )
    static let queryAlias = hexBytes("07870100000100000000000005616c696173036f627304746573740000010001")
    static let answerAlias = hexBytes(
        "07878180000100020000000005616c696173036f627304746573740000010001c00c000500010000012c000e03737663036f6273047465737400c02c000100010000003c00047f00004d"
    )
    static let queryMissing = hexBytes("80ca01000001000000000000076d697373696e67036f627304746573740000010001")
    static let answerMissing = hexBytes("80ca81830001000000000000076d697373696e67036f627304746573740000010001")

    static func event(_ ns: UInt64, process: Int32 = 100) -> ObserverEvent {
        ObserverEvent(
            timestampNs: ns, category: .network, processID: process, threadID: process, command: "getent",
            kind: .lost(Lost(count: 0, source: .kernel)))
    }

    static func payload(
        _ bytes: [UInt8], _ direction: DNSPayload.Direction, fd: Int32 = 3, transport: DNSExchange.Transport = .udp,
        moved: Int? = nil
    ) -> DNSPayload {
        DNSPayload(
            direction: direction, transport: transport, fd: fd, remote: server, local: client, captured: bytes,
            moved: moved ?? bytes.count)
    }

    @Test("glibc's A and AAAA queries and their answers become two exchanges with latency and answers")
    func pairs() {
        var tracker = DNSTracker()
        #expect(tracker.take(Self.payload(Self.queryA, .sent), event: Self.event(1_000)).isEmpty)
        #expect(tracker.take(Self.payload(Self.queryAAAA, .sent), event: Self.event(1_100)).isEmpty)
        #expect(tracker.waiting == 2)
        let a = tracker.take(Self.payload(Self.answerA, .received), event: Self.event(5_000))
        let aaaa = tracker.take(Self.payload(Self.answerAAAA, .received), event: Self.event(6_100))
        #expect(
            a.map(\.exchange) == [
                DNSExchange(
                    query: "svc.obs.test", queryType: "A", responseCode: "NOERROR",
                    answers: [.init(type: "A", value: "127.0.0.77", ttl: 60)], server: "127.0.0.1", port: 53,
                    transport: .udp, latencyNs: 4_000, id: 0x3cde)
            ])
        #expect(
            aaaa.map(\.exchange) == [
                DNSExchange(
                    query: "svc.obs.test", queryType: "AAAA", responseCode: "NOERROR",
                    answers: [.init(type: "AAAA", value: "fd00::77", ttl: 60)], server: "127.0.0.1", port: 53,
                    transport: .udp, latencyNs: 5_000, id: 0xe8d9)
            ])
        #expect(a.map(\.event.timestampNs) == [5_000])
        #expect(tracker.waiting == 0)
        #expect(tracker.names.name(for: "127.0.0.77") == "svc.obs.test")
        #expect(tracker.names.name(for: "fd00::77") == "svc.obs.test")
        #expect(tracker.names.name(for: .ipv4(address: "127.0.0.77", port: 9)) == "svc.obs.test")
        #expect(tracker.names.name(for: "::ffff:127.0.0.77") == "svc.obs.test")
        #expect(tracker.names.name(for: "127.0.0.1") == nil)
    }

    @Test("NXDOMAIN is an exchange with its rcode and no answers, and names nothing")
    func nxdomain() {
        var tracker = DNSTracker()
        _ = tracker.take(Self.payload(Self.queryMissing, .sent), event: Self.event(10))
        let out = tracker.take(Self.payload(Self.answerMissing, .received), event: Self.event(30))
        #expect(out.map(\.exchange.responseCode) == ["NXDOMAIN"])
        #expect(out.map(\.exchange.answers) == [[]])
        #expect(out.map(\.exchange.resolved) == [false])
        #expect(tracker.names.count == 0)
    }

    @Test("a CNAME answer lists the alias and the address, and the address is named by the name asked for")
    func cname() {
        var tracker = DNSTracker()
        _ = tracker.take(Self.payload(Self.queryAlias, .sent), event: Self.event(10))
        let out = tracker.take(Self.payload(Self.answerAlias, .received), event: Self.event(30))
        #expect(
            out.map(\.exchange.answers) == [
                [.init(type: "CNAME", value: "svc.obs.test", ttl: 300), .init(type: "A", value: "127.0.0.77", ttl: 60)]
            ])
        #expect(tracker.names.name(for: "127.0.0.77") == "alias.obs.test")
        // The latest answer for an address wins.
        _ = tracker.take(Self.payload(Self.queryA, .sent), event: Self.event(40))
        _ = tracker.take(Self.payload(Self.answerA, .received), event: Self.event(50))
        #expect(tracker.names.name(for: "127.0.0.77") == "svc.obs.test")
    }

    @Test("queries without an answer time out at their socket's close, their process's exit, or the run's end")
    func timeouts() {
        var tracker = DNSTracker()
        _ = tracker.take(Self.payload(Self.queryA, .sent, fd: 3), event: Self.event(10))
        _ = tracker.take(Self.payload(Self.queryAAAA, .sent, fd: 4), event: Self.event(11))
        _ = tracker.take(Self.payload(Self.queryAlias, .sent, fd: 5), event: Self.event(12, process: 200))
        _ = tracker.take(Self.payload(Self.queryMissing, .sent, fd: 6), event: Self.event(13, process: 300))
        #expect(tracker.socketClosed(processID: 100, fd: 9, at: 20).isEmpty)
        let closed = tracker.socketClosed(processID: 100, fd: 3, at: 20)
        #expect(closed.map(\.exchange.query) == ["svc.obs.test"])
        #expect(closed.map(\.exchange.timedOut) == [true])
        #expect(closed.map(\.exchange.responseCode) == [nil])
        #expect(closed.map(\.exchange.latencyNs) == [nil])
        #expect(closed.map(\.event.timestampNs) == [20])
        let exited = tracker.processExited(100, at: 30)
        #expect(exited.map(\.exchange.queryType) == ["AAAA"])
        let ended = tracker.finish(at: 40)
        #expect(ended.map(\.exchange.query) == ["alias.obs.test", "missing.obs.test"])
        #expect(ended.map(\.event.processID) == [200, 300])
        #expect(tracker.waiting == 0)
    }

    @Test("an answer pairs with its query whatever the case of the name, and only on the same socket")
    func matching() {
        var tracker = DNSTracker()
        var upper = Self.queryA
        upper.replaceSubrange(13..<16, with: Array("SvC".utf8))
        _ = tracker.take(Self.payload(upper, .sent), event: Self.event(10))
        // The same answer on another socket is not this query's.
        let elsewhere = tracker.take(Self.payload(Self.answerA, .received, fd: 8), event: Self.event(15))
        #expect(elsewhere.map(\.exchange.latencyNs) == [nil])
        let out = tracker.take(Self.payload(Self.answerA, .received), event: Self.event(20))
        #expect(out.map(\.exchange.query) == ["SvC.obs.test"])
        #expect(out.map(\.exchange.latencyNs) == [10])
    }

    @Test("a retransmitted query keeps its first send, so the latency is what the program waited")
    func retransmission() {
        var tracker = DNSTracker()
        _ = tracker.take(Self.payload(Self.queryA, .sent), event: Self.event(10))
        _ = tracker.take(Self.payload(Self.queryA, .sent), event: Self.event(1_000_010))
        #expect(tracker.waiting == 1)
        let out = tracker.take(Self.payload(Self.answerA, .received), event: Self.event(1_000_020))
        #expect(out.map(\.exchange.latencyNs) == [1_000_010])
    }

    @Test("a server of the tree (local port 53) reports the exchanges it answered, with itself as the server")
    func serverSide() {
        var tracker = DNSTracker()
        let resolver = DNSPayload.Endpoint(address: "127.0.0.9", port: 5353)
        let mine = DNSPayload.Endpoint(address: "127.0.0.1", port: 53)
        var query = DNSPayload(
            direction: .received, transport: .udp, fd: 7, remote: resolver, local: mine, captured: Self.queryA,
            moved: Self.queryA.count)
        _ = tracker.take(query, event: Self.event(10))
        query.direction = .sent
        query.captured = Self.answerA
        let out = tracker.take(query, event: Self.event(12))
        #expect(out.map(\.exchange.server) == ["127.0.0.1"])
        #expect(out.map(\.exchange.port) == [53])
        #expect(out.map(\.exchange.latencyNs) == [2])
        // Answers the tree sent name nothing for it.
        #expect(tracker.names.count == 0)
    }

    @Test("over TCP the stream is reassembled: one writev of two queries, answers read length then body")
    func tcp() {
        var tracker = DNSTracker()
        let writev = DNSTCPStreamTests.writev
        #expect(tracker.take(Self.payload(writev, .sent, transport: .tcp), event: Self.event(10)).isEmpty)
        var out: [DNSTracker.Output] = []
        for (i, read) in DNSTCPStreamTests.reads.enumerated() {
            out += tracker.take(Self.payload(read, .received, transport: .tcp), event: Self.event(20 + UInt64(i)))
        }
        #expect(out.map(\.exchange.queryType) == ["A", "AAAA"])
        #expect(out.map(\.exchange.transport) == [.tcp, .tcp])
        #expect(out.map(\.exchange.latencyNs) == [11, 13])
        #expect(out.map(\.exchange.addresses) == [["127.0.0.77"], ["fd00::77"]])
    }

    @Test("bytes that are not DNS on port 53 are ignored")
    func notDNS() {
        var tracker = DNSTracker()
        let http = Array("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n".utf8)
        #expect(tracker.take(Self.payload(http, .received), event: Self.event(1)).isEmpty)
        #expect(tracker.take(Self.payload(http, .received, transport: .tcp), event: Self.event(1)).isEmpty)
        #expect(tracker.waiting == 0)
    }

    @Test("past its limit of waiting queries the oldest is reported as timed out")
    func pendingLimit() {
        var tracker = DNSTracker(pendingLimit: 2)
        _ = tracker.take(Self.payload(Self.queryA, .sent), event: Self.event(1))
        _ = tracker.take(Self.payload(Self.queryAAAA, .sent), event: Self.event(2))
        let out = tracker.take(Self.payload(Self.queryAlias, .sent), event: Self.event(3))
        #expect(out.map(\.exchange.query) == ["svc.obs.test"])
        #expect(out.map(\.exchange.queryType) == ["A"])
        #expect(out.map(\.exchange.timedOut) == [true])
        #expect(tracker.waiting == 2)
    }

    @Test("the name table forgets its oldest half past its capacity")
    func tableCapacity() {
        var table = DNSNameTable(capacity: 4)
        for i in 1...5 { table.record("10.0.0.\(i)", name: "h\(i)") }
        #expect(table.count == 3)
        #expect(table.name(for: "10.0.0.1") == nil)
        #expect(table.name(for: "10.0.0.2") == nil)
        #expect(table.name(for: "10.0.0.5") == "h5")
        #expect(table.name(for: .unix(path: "/x", abstract: false)) == nil)
    }
}
