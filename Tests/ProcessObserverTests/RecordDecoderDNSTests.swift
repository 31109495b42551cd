import CObserverBPF
import Testing

@testable import ProcessObserver

/// DNS records (`obs_dns_rec`) built as the kernel program builds them, through the decoder and
/// the consumer that pairs them.
@Suite("Record decoder: DNS payloads")
struct RecordDecoderDNSTests {
    static func record(
        _ payload: [UInt8], direction: obs_dns_direction = OBS_DNS_SENT, transport: obs_dns_transport = OBS_DNS_UDP,
        family: UInt16 = 2, remote: [UInt8] = [127, 0, 0, 53], moved: UInt32? = nil, len: UInt16? = nil
    ) -> [UInt8] {
        var r = obs_dns_rec()
        r.h = RecordFixture.header(OBS_REC_DNS)
        r.ret = Int64(payload.count)
        r.moved = moved ?? UInt32(payload.count)
        r.fd = 3
        r.syscall = UInt8(OBS_SC_SENDMMSG.rawValue)
        r.direction = UInt8(direction.rawValue)
        r.transport = UInt8(transport.rawValue)
        r.family = family
        r.remote_port = 53
        r.local_port = 41_000
        r.len = len ?? UInt16(payload.count)
        withUnsafeMutableBytes(of: &r.remote_addr) { $0.copyBytes(from: remote) }
        withUnsafeMutableBytes(of: &r.local_addr) { $0.copyBytes(from: [127, 0, 0, 1]) }
        RecordFixture.put(payload, into: &r, at: RecordDecoder.DNSField.data, nul: false)
        return RecordFixture.bytes(of: r, size: Int(obs_dns_rec_size(UInt64(payload.count))))
    }

    static func decode(_ bytes: [UInt8], categories: Set<EventCategory> = [.network]) throws
        -> RecordDecoder.Decoded
    {
        try bytes.withUnsafeBytes { try RecordDecoder(categories: categories).decode($0) }
    }

    @Test("a payload record is no event by itself: its payload, ends and template come out")
    func payload() throws {
        let query = DNSTrackerTests.queryA
        let decoded = try Self.decode(Self.record(query, moved: 30))
        #expect(decoded.event == nil)
        let dns = try #require(decoded.dns)
        #expect(
            dns.payload
                == DNSPayload(
                    direction: .sent, transport: .udp, fd: 3, remote: .init(address: "127.0.0.53", port: 53),
                    local: .init(address: "127.0.0.1", port: 41_000), captured: query, moved: 30))
        #expect(dns.event.processID == Int32(RecordFixture.tgid))
        #expect(dns.event.threadID == Int32(RecordFixture.tid))
        #expect(dns.event.timestampNs == RecordFixture.ts)
        #expect(dns.event.command == "worker")
    }

    @Test("an IPv6 server's address is written as inet_ntop writes it; TCP and received are read")
    func ipv6() throws {
        let remote: [UInt8] = [0xfd, 0] + Array(repeating: 0, count: 13) + [0x53]
        let decoded = try Self.decode(
            Self.record([1, 2], direction: OBS_DNS_RECEIVED, transport: OBS_DNS_TCP, family: 10, remote: remote))
        let dns = try #require(decoded.dns)
        #expect(dns.payload.remote.address == "fd00::53")
        #expect(dns.payload.local.address == "7f00:1::")
        #expect(dns.payload.direction == .received)
        #expect(dns.payload.transport == .tcp)
    }

    @Test("without the network category the payload is dropped")
    func categoryOff() throws {
        #expect(try Self.decode(Self.record(DNSTrackerTests.queryA), categories: [.file]).dns == nil)
    }

    @Test("a length past its field, a size the rule does not give, or an unknown family is malformed")
    func malformed() {
        #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(Self.record([1, 2, 3], len: 1025)) }
        #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(Self.record([1, 2, 3]).dropLast().map { $0 }) }
        #expect(throws: RecordDecoder.Malformed.self) { try Self.decode(Self.record([1, 2, 3], family: 1)) }
    }

    @Test("the consumer pairs query and answer records into one dns event, and names the next connect")
    func consumer() throws {
        let consumer = RecordConsumer(decoder: RecordDecoder(categories: [.network]))
        let buffer = SubscriberBuffer(config: ObserverConfig(categories: [.network]))
        consumer.hub = EventHub(subscribers: [buffer])
        for bytes in [
            Self.record(DNSTrackerTests.queryA),
            Self.record(DNSTrackerTests.answerA, direction: OBS_DNS_RECEIVED),
            RecordFixture.socket(
                OBS_SOCK_CONNECT, syscall: OBS_SC_CONNECT, addr: RecordFixture.inet([127, 0, 0, 77], port: 9)),
        ] {
            bytes.withUnsafeBytes { consumer.handle($0) }
        }
        consumer.flush()
        let events = buffer.drain()
        let kinds = events.map(\.kind.name)
        #expect(kinds == ["dns", "connect"])
        guard kinds.count == 2, case .dns(let exchange) = events[0].kind, case .connect(let connect) = events[1].kind
        else {
            Issue.record("kinds \(kinds)")
            return
        }
        #expect(exchange.query == "svc.obs.test")
        #expect(exchange.latencyNs == 0)
        #expect(exchange.server == "127.0.0.53")
        #expect(connect.peerName == "svc.obs.test")
    }

    @Test("a question still unanswered times out at its process's exit record, with or without exit events")
    func timeoutAtExit() {
        for categories: Set<EventCategory> in [[.network], [.network, .process]] {
            let consumer = RecordConsumer(decoder: RecordDecoder(categories: categories))
            let buffer = SubscriberBuffer(config: ObserverConfig(categories: categories))
            consumer.hub = EventHub(subscribers: [buffer])
            for bytes in [Self.record(DNSTrackerTests.queryA), RecordFixture.exit(status: 0)] {
                bytes.withUnsafeBytes { consumer.handle($0) }
            }
            consumer.flush()
            let events = buffer.drain()
            #expect(events.map(\.kind.name) == (categories.contains(.process) ? ["dns", "exit"] : ["dns"]))
            guard case .dns(let exchange) = events.first?.kind else { continue }
            #expect(exchange.timedOut)
            #expect(exchange.responseCode == nil)
            #expect(events.first?.timestampNs == RecordFixture.ts)
        }
    }
}
