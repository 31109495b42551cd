/// A DNS message decoded from its RFC 1035 wire form: the header, the questions and the answer
/// section, which is all an exchange needs (the authority and additional sections are skipped).
///
/// The bytes come from a bounded copy the kernel program took of a `send` or `recv` buffer, so
/// they may stop early, and from any process of the tree, so they may be anything. Decoding is
/// pure and bounds-checked: every read is checked against the bytes there are, compression
/// pointers must point backwards (so a chain of them always ends), and a name is at most 255
/// bytes on the wire. A message whose header or questions cannot be read is not a message
/// (`nil`); one whose answers stop early keeps the answers before that point and says so
/// (`answersComplete`), since a capture cut at its bound still names the query and the rcode.
struct DNSMessage: Sendable, Hashable {
    /// The message id, which pairs an answer with its query.
    var id: UInt16
    /// QR: an answer (`true`) or a query.
    var isResponse: Bool
    /// OPCODE: 0 is a standard query.
    var opcode: UInt8
    /// TC: the answer did not fit (a UDP resolver retries over TCP).
    var isTruncated: Bool
    /// RCODE, the header's four bits (an EDNS extended rcode is not read).
    var responseCode: UInt8
    var questions: [DNSQuestion]
    var answers: [DNSResourceRecord]
    /// Whether every answer the header announced was decoded; `false` when the bytes stopped
    /// early (a bounded capture) or an answer was malformed.
    var answersComplete: Bool

    /// The size of the fixed header (RFC 1035 §4.1.1).
    static let headerSize = 12

    /// Decodes one message (a UDP datagram, or a TCP message without its length prefix).
    /// Returns `nil` when the header or a question cannot be decoded.
    init?(decoding bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count >= Self.headerSize else { return nil }
        var reader = DNSWireReader(bytes)
        guard let id = reader.u16(), let flags = reader.u16(), let qdcount = reader.u16(),
            let ancount = reader.u16(), reader.u16() != nil, reader.u16() != nil
        else { return nil }
        self.id = id
        isResponse = flags & 0x8000 != 0
        opcode = UInt8((flags >> 11) & 0xF)
        isTruncated = flags & 0x0200 != 0
        responseCode = UInt8(flags & 0xF)
        questions = []
        // Each question takes at least 5 bytes: a count larger than the bytes allow is hostile.
        guard Int(qdcount) * 5 <= bytes.count - Self.headerSize else { return nil }
        for _ in 0..<qdcount {
            guard let name = try? reader.name(), let type = reader.u16(), let qclass = reader.u16() else {
                return nil
            }
            questions.append(DNSQuestion(name: name, type: type, qclass: qclass))
        }
        answers = []
        answersComplete = true
        for _ in 0..<ancount {
            guard let record = reader.resourceRecord() else {
                answersComplete = false
                break
            }
            answers.append(record)
        }
    }
}

/// One entry of the question section.
struct DNSQuestion: Sendable, Hashable {
    /// The name in presentation form, without the trailing dot (the root is `.`).
    var name: String
    var type: UInt16
    var qclass: UInt16
}

/// One resource record of the answer section.
struct DNSResourceRecord: Sendable, Hashable {
    var name: String
    var type: UInt16
    var rclass: UInt16
    var ttl: UInt32
    var data: DNSRecordData
}

/// What a record's RDATA says, for the types an exchange reports.
enum DNSRecordData: Sendable, Hashable {
    /// An A or AAAA record's address, as text.
    case address(String)
    /// A CNAME, NS, PTR or DNAME record's target name.
    case name(String)
    /// Any other type, or an A/AAAA/CNAME whose RDATA is malformed: its length only.
    case opaque(length: Int)

    /// The value as an exchange's answer shows it: the address, the name, or nothing.
    var text: String? {
        switch self {
        case .address(let text), .name(let text): text
        case .opaque: nil
        }
    }
}

/// Why a name could not be read; the reader stops at the first one.
enum DNSNameFailure: Error, Sendable, Hashable {
    /// The bytes stopped inside the name.
    case truncated
    /// A compression pointer points at or after itself (a loop, or a forward jump).
    case pointerNotBackwards
    /// The name is longer than 255 bytes on the wire.
    case tooLong
    /// A label starts with the reserved bits 01 or 10 (RFC 6891 extended label types).
    case unsupportedLabelType
}
