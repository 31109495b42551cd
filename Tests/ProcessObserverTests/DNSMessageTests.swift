import Testing

@testable import ProcessObserver

/// Bytes from hex text (fixtures below are captured packets, written as `strace -xx` shows them).
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map {
        UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
}

@Suite("DNS messages (RFC 1035) decoded from captured bytes")
struct DNSMessageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var hex: String
        var id: UInt16
        var isResponse: Bool
        var rcode: UInt8
        var question: String
        var qtype: UInt16
        /// "TYPE value ttl" per answer.
        var answers: [String]
        var complete = true
        var testDescription: String { label }
    }

    /// Captured here (2026-12-07): glibc 2.36's `getent ahosts` against the tests' own server
    /// (`Tests/ObsctlTests/Fixtures/dns_server.py`), traced with `strace -xx`, and raw queries to
    /// this machine's resolver (10.255.255.53).
    static let cases: [Case] = [
        Case(
            label: "glibc's A query (sendmmsg, RD set)",
            hex: "b10a0100000100000000000003737663036f627304746573740000010001",
            id: 0xb10a, isResponse: false, rcode: 0, question: "svc.obs.test", qtype: 1, answers: []),
        Case(
            label: "glibc's AAAA query",
            hex: "eb0c0100000100000000000003737663036f6273047465737400001c0001",
            id: 0xeb0c, isResponse: false, rcode: 0, question: "svc.obs.test", qtype: 28, answers: []),
        Case(
            label: "an A answer whose owner is a pointer to the question",
            hex: "3cde8180000100010000000003737663036f627304746573740000010001c00c000100010000003c00047f00004d",
            id: 0x3cde, isResponse: true, rcode: 0, question: "svc.obs.test", qtype: 1,
            answers: ["1 127.0.0.77 60"]),
        Case(
            label: "an AAAA answer, shortened as inet_ntop writes it",
            hex:
                "e8d98180000100010000000003737663036f6273047465737400001c0001c00c001c00010000003c0010fd000000000000000000000000000077",
            id: 0xe8d9, isResponse: true, rcode: 0, question: "svc.obs.test", qtype: 28,
            answers: ["28 fd00::77 60"]),
        Case(
            label: "a CNAME, then an A record owned by a pointer into the CNAME's RDATA",
            hex:
                "07878180000100020000000005616c696173036f627304746573740000010001c00c000500010000012c000e03737663036f6273047465737400c02c000100010000003c00047f00004d",
            id: 0x0787, isResponse: true, rcode: 0, question: "alias.obs.test", qtype: 1,
            answers: ["5 svc.obs.test 300", "1 127.0.0.77 60"]),
        Case(
            label: "a CNAME, then an AAAA record",
            hex:
                "c6868180000100020000000005616c696173036f6273047465737400001c0001c00c000500010000012c000e03737663036f6273047465737400c02c001c00010000003c0010fd000000000000000000000000000077",
            id: 0xc686, isResponse: true, rcode: 0, question: "alias.obs.test", qtype: 28,
            answers: ["5 svc.obs.test 300", "28 fd00::77 60"]),
        Case(
            label: "NXDOMAIN with no answers",
            hex: "80ca81830001000000000000076d697373696e67036f627304746573740000010001",
            id: 0x80ca, isResponse: true, rcode: 3, question: "missing.obs.test", qtype: 1, answers: []),
        Case(
            label: "this machine's resolver answering pypi.org",
            hex: "1234818000010001000000000470797069036f72670000010001c00c000100010000003c0004cb007150",
            id: 0x1234, isResponse: true, rcode: 0, question: "pypi.org", qtype: 1, answers: ["1 203.0.113.80 60"]),
        Case(
            label: "this machine's resolver: NXDOMAIN for example.com",
            hex: "123481830001000000000000076578616d706c6503636f6d0000010001",
            id: 0x1234, isResponse: true, rcode: 3, question: "example.com", qtype: 1, answers: []),
        Case(
            label: "a capture cut inside the second answer keeps the first",
            hex:
                "07878180000100020000000005616c696173036f627304746573740000010001c00c000500010000012c000e03737663036f6273047465737400c02c00010001",
            id: 0x0787, isResponse: true, rcode: 0, question: "alias.obs.test", qtype: 1,
            answers: ["5 svc.obs.test 300"], complete: false),
        Case(
            label: "more answers announced than there are bytes for",
            hex: "1234818000010009000000000470797069036f72670000010001c00c000100010000003c0004cb007150",
            id: 0x1234, isResponse: true, rcode: 0, question: "pypi.org", qtype: 1, answers: ["1 203.0.113.80 60"],
            complete: false),
        Case(
            label: "an answer whose owner points at itself: a loop, not followed",
            hex: "1234818000010001000000000470797069036f72670000010001c01a000100010000003c0004cb007150",
            id: 0x1234, isResponse: true, rcode: 0, question: "pypi.org", qtype: 1, answers: [], complete: false),
        Case(
            label: "a CNAME whose target runs past its RDATA is opaque",
            hex: "1234818000010001000000000470797069036f72670000050001c00c000500010000003c000203616263",
            id: 0x1234, isResponse: true, rcode: 0, question: "pypi.org", qtype: 5, answers: ["5 - 60"]),
        Case(
            label: "a label holding a dot, a backslash and binary bytes is escaped",
            hex: "00018180000100000000000006612e625c00ff036f72670000010001",
            id: 1, isResponse: true, rcode: 0, question: #"a\.b\\\000\255.org"#, qtype: 1, answers: []),
        Case(
            label: "the root name",
            hex: "000201000001000000000000000002 0001".replacingOccurrences(of: " ", with: ""),
            id: 2, isResponse: false, rcode: 0, question: ".", qtype: 2, answers: []),
    ]

    @Test("decodes the header, the question and the answers", arguments: cases)
    func decodes(_ c: Case) throws {
        let message = try #require(DNSMessage(decoding: hexBytes(c.hex)))
        #expect(message.id == c.id)
        #expect(message.isResponse == c.isResponse)
        #expect(message.opcode == 0)
        #expect(message.responseCode == c.rcode)
        #expect(message.questions == [DNSQuestion(name: c.question, type: c.qtype, qclass: 1)])
        let answers = message.answers.map { "\($0.type) \($0.data.text ?? "-") \($0.ttl)" }
        #expect(answers == c.answers)
        #expect(message.answersComplete == c.complete)
    }

    static let hostile: [(String, String)] = [
        ("nothing", ""),
        ("a header one byte short", "1234818000010001000000"),
        ("a question cut in its name", "123401000001000000000000047079"),
        ("a question without its type and class", "1234010000010000000000000470797069036f726700"),
        ("a question name that points at itself", "123401000001000000000000c00c00010001"),
        ("two pointers pointing at each other", "123401000001000000000000c00ec00c00010001"),
        ("a pointer forward, past the question", "123401000001000000000000c01400010001000000000000"),
        ("an extended label type (01)", "1234010000010000000000004170797000010001"),
        (
            "a name longer than 255 bytes",
            "123401000001000000000000" + String(repeating: "3f" + String(repeating: "61", count: 63), count: 5)
                + "0000010001"
        ),
        ("65,535 questions in 17 bytes", "12340100ffff000000000000000001 0001".replacingOccurrences(of: " ", with: "")),
        (
            "HTTP/1.1 400 from a proxy on TCP port 53 (captured here)",
            "485454502f312e31203430302042616420526571756573740d0a636f6e6e656374696f6e3a20636c6f73650d0a"
        ),
    ]

    @Test("refuses bytes whose header or question cannot be read", arguments: hostile)
    func refuses(_ c: (String, String)) {
        #expect(DNSMessage(decoding: hexBytes(c.1)) == nil, "\(c.0)")
    }

    @Test("every prefix of every captured message decodes or is refused without reading past it")
    func everyPrefix() {
        for c in Self.cases {
            let bytes = hexBytes(c.hex)
            // The question ends after its name's labels (no pointers in these), type and class.
            var questionEnd = 12
            while bytes[questionEnd] != 0 { questionEnd += 1 + Int(bytes[questionEnd]) }
            questionEnd += 5
            for end in 0...bytes.count {
                let message = DNSMessage(decoding: bytes[..<end])
                if end >= questionEnd {
                    #expect(message?.questions.first?.name == c.question, "\(c.label) cut at \(end)")
                } else {
                    #expect(message == nil, "\(c.label) cut at \(end)")
                }
            }
        }
    }
}
