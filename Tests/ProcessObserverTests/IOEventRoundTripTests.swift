import Foundation
import ObserverTestSupport
import Testing

@testable import ProcessObserver

/// Issue 18's kinds through the real writer and reader: each encodes, decodes to the very same
/// payload (not only the same line), and a `close` is told apart by its category.
@Suite("Round trip of close, dns, peer names and exit I/O")
struct IOEventRoundTripTests {
    static func decoded(_ category: EventCategory, _ kind: EventKind) throws -> ObserverEvent {
        let line = EventJSON.line(RecordingFixtures.event(1, category, kind))
        guard case .event(let event) = try EventJSONDecoder.decode(try JSONParser.parse(line)) else {
            Issue.record("not read as an event: \(line)")
            throw JSONObjectReader.DecodingFailure(member: "kind", problem: "not an event")
        }
        return event
    }

    @Test("each new kind encodes and decodes to an equal payload", arguments: IOEventFixtures.kinds.indices)
    func roundTrip(index: Int) throws {
        let (category, kind) = IOEventFixtures.kinds[index]
        let event = try Self.decoded(category, kind)
        #expect(event.category == category)
        #expect(event.kind.category == category)
        switch (kind, event.kind) {
        case (.close(let a), .close(let b)): #expect(a == b)
        case (.socketClose(let a), .socketClose(let b)): #expect(a == b)
        case (.dns(let a), .dns(let b)): #expect(a == b)
        case (.connect(let a), .connect(let b)), (.accept(let a), .accept(let b)): #expect(a == b)
        case (.exit(let a), .exit(let b)): #expect(a == b)
        default: Issue.record("\(kind.name) read back as \(event.kind.name)")
        }
        #expect(EventJSON.line(event) == EventJSON.line(RecordingFixtures.event(1, category, kind)))
    }

    @Test("a file's and a socket's close share the name close and are read back by category")
    func closeByCategory() throws {
        let file = IOEventFixtures.kinds[0]
        let socket = IOEventFixtures.kinds[4]
        #expect(file.1.name == "close")
        #expect(socket.1.name == "close")
        #expect(file.1.category == .file)
        #expect(socket.1.category == .network)
        guard case .close = try Self.decoded(file.0, file.1).kind,
            case .socketClose = try Self.decoded(socket.0, socket.1).kind
        else {
            Issue.record("a close was read as the other kind")
            return
        }
    }

    @Test("the members are written as Docs/EVENTS.md shows them")
    func exactLines() {
        func members(_ index: Int) -> String {
            let (category, kind) = IOEventFixtures.kinds[index]
            let line = EventJSON.line(RecordingFixtures.event(1, category, kind, tid: nil, ppid: nil, comm: nil))
            // Everything after the members of every event.
            return String(line[line.range(of: "\"pid\":4242,")!.upperBound...].dropLast())
        }
        #expect(
            members(0)
                == #""fd":3,"path":"/etc/passwd","abs_path":"/etc/passwd","abs_path_source":"file","bytes_read":2150,"bytes_written":0,"reads":3,"writes":0,"open_ns":1250000,"closed_by":"close"}"#
        )
        #expect(
            members(1)
                == #""fd":5,"path":"pipe:[123]","abs_path_source":"file","abs_path_unwalkable":true,"bytes_read":0,"bytes_written":4096,"reads":0,"writes":1,"closed_by":"exec"}"#
        )
        #expect(
            members(4)
                == #""fd":4,"family":"inet","protocol":"tcp","address":"93.184.216.34","port":443,"local":{"family":"inet","address":"10.0.2.15","port":43512},"bytes_sent":517,"bytes_received":4301,"sends":2,"receives":3,"open_ns":1200000000,"closed_by":"close","peer_name":"example.com"}"#
        )
        #expect(
            members(5)
                == #""fd":6,"family":"inet6","protocol":"udp","bytes_sent":40,"bytes_received":0,"sends":1,"receives":0,"closed_by":"exit"}"#
        )
        #expect(
            members(8)
                == #""query":"www.example.com","qtype":"A","rcode":"NOERROR","answers":[{"type":"CNAME","value":"example.com","ttl":60},{"type":"A","value":"93.184.216.34","ttl":300}],"server":"127.0.0.53","port":53,"transport":"udp","latency_ns":3100000,"id":48879}"#
        )
        #expect(
            members(10)
                == #""query":"slow.example","qtype":"TYPE65","timed_out":true,"answers":[],"server":"127.0.0.1","port":5353,"transport":"udp","id":0}"#
        )
        #expect(
            members(13)
                == #""exit_code":0,"signal":null,"core_dumped":false,"peak_rss_bytes":4096,"io":{"rchar":12288,"wchar":1024,"syscr":4,"syscw":2,"read_bytes":8192,"write_bytes":0,"cancelled_write_bytes":0,"uses_io_uring":false}}"#
        )
    }

    @Test("a DNS exchange resolved only with NOERROR; NXDOMAIN and no answer are failures")
    func dnsFailed() {
        let kinds = IOEventFixtures.kinds.compactMap { pair -> DNSExchange? in
            if case .dns(let d) = pair.1 { return d } else { return nil }
        }
        #expect(kinds.map(\.resolved) == [true, false, false])
        #expect(kinds.map { EventKind.dns($0).failed } == [false, true, true])
        #expect(kinds[0].addresses == ["93.184.216.34"])
    }

    @Test(
        "record types and response codes are named, unknown ones in the generic form",
        arguments: [(UInt16(1), "A"), (28, "AAAA"), (5, "CNAME"), (65, "HTTPS"), (99, "TYPE99"), (255, "ANY")])
    func typeNames(code: UInt16, name: String) {
        #expect(DNSExchange.typeName(code) == name)
    }

    @Test(
        "response codes by name",
        arguments: [(UInt16(0), "NOERROR"), (2, "SERVFAIL"), (3, "NXDOMAIN"), (11, "RCODE11")])
    func responseCodeNames(code: UInt16, name: String) {
        #expect(DNSExchange.responseCodeName(code) == name)
    }

    @Test("a close's facts: its fd, its path, never failed; a socket's close names its peer")
    func facts() {
        let file = IOEventFixtures.kinds[0].1
        #expect(file.fd == 3)
        #expect(file.paths.map(\.absolute?.value) == ["/etc/passwd"])
        #expect(file.failed == false)
        #expect(file.result == nil)
        let socket = IOEventFixtures.kinds[4].1
        #expect(socket.fd == 4)
        #expect(socket.peer == .ipv4(address: "93.184.216.34", port: 443))
        #expect(IOEventFixtures.kinds[5].1.peer == nil)
        #expect(IOEventFixtures.kinds[6].1.paths.map(\.passed) == ["/run/x.sock"])
    }
}
