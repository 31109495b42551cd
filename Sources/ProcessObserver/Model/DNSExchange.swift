/// One DNS question the tree asked over UDP or TCP port 53 and the answer it got (or did not),
/// decoded in user space from a bounded copy of the messages the kernel program took.
///
/// Emitted when the answer arrives, or, without one, when the socket is closed or the process
/// exits (`timedOut`). Not visible: DNS over TLS or HTTPS (encrypted), and names answered from a
/// cache outside the tree (nscd, a browser's own) without a query on the wire.
public struct DNSExchange: Sendable, Hashable {
    /// The name asked for, in presentation form without the trailing dot (`example.com`); bytes
    /// that are not letters, digits, `-` or `_` are escaped as `dig` writes them (`\.`, `\032`).
    public var query: String
    /// The question's type by name (`A`, `AAAA`, `CNAME`, …), `TYPE<n>` for one without a
    /// name here (`DNSExchange.typeName(_:)`).
    public var queryType: String
    /// The answer's response code by name (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, …, `RCODE<n>`);
    /// nil when no answer came.
    public var responseCode: String?
    /// No answer came before the socket was closed or the process exited.
    public var timedOut: Bool
    /// The answer section's records, in the order the server sent them.
    public var answers: [Answer]
    /// The server's address as text (`127.0.0.53`, `::1`).
    public var server: String
    public var port: UInt16
    public var transport: Transport
    /// Nanoseconds from the query to the answer; nil when no answer came.
    public var latencyNs: UInt64?
    /// The DNS message id, which pairs the question with its answer.
    public var id: UInt16

    /// The transport the exchange used.
    public enum Transport: String, Sendable, Hashable, CaseIterable {
        case udp
        case tcp
    }

    /// One resource record of the answer section.
    public struct Answer: Sendable, Hashable {
        /// The record's type by name (`A`, `AAAA`, `CNAME`, `TYPE<n>`).
        public var type: String
        /// The record's data: an address for `A`/`AAAA`, a name for `CNAME`, `NS`, `PTR` (without
        /// the trailing dot), the text `dig` shows for the other types it decodes.
        public var value: String
        /// Seconds the answer may be cached.
        public var ttl: UInt32

        public init(type: String, value: String, ttl: UInt32) {
            self.type = type
            self.value = value
            self.ttl = ttl
        }
    }

    public init(
        query: String, queryType: String, responseCode: String? = nil, timedOut: Bool = false,
        answers: [Answer] = [], server: String, port: UInt16 = 53, transport: Transport = .udp,
        latencyNs: UInt64? = nil, id: UInt16
    ) {
        self.query = query
        self.queryType = queryType
        self.responseCode = responseCode
        self.timedOut = timedOut
        self.answers = answers
        self.server = server
        self.port = port
        self.transport = transport
        self.latencyNs = latencyNs
        self.id = id
    }

    /// Whether the name resolved: an answer came with `NOERROR` (possibly with no records, a
    /// name without records of that type). A failure otherwise: NXDOMAIN, SERVFAIL, a refusal,
    /// no answer at all.
    public var resolved: Bool { !timedOut && responseCode == "NOERROR" }

    /// The addresses the answer gave (`A` and `AAAA` records' values), in its order.
    public var addresses: [String] { answers.filter { $0.type == "A" || $0.type == "AAAA" }.map(\.value) }
}

extension DNSExchange {
    /// A record type's name (RFC 1035 and its successors, the IANA registry's mnemonics), or
    /// `TYPE<n>` (RFC 3597's generic form) for one not listed here.
    public static func typeName(_ type: UInt16) -> String {
        switch type {
        case 1: "A"
        case 2: "NS"
        case 5: "CNAME"
        case 6: "SOA"
        case 12: "PTR"
        case 13: "HINFO"
        case 15: "MX"
        case 16: "TXT"
        case 28: "AAAA"
        case 33: "SRV"
        case 35: "NAPTR"
        case 39: "DNAME"
        case 41: "OPT"
        case 43: "DS"
        case 46: "RRSIG"
        case 47: "NSEC"
        case 48: "DNSKEY"
        case 52: "TLSA"
        case 64: "SVCB"
        case 65: "HTTPS"
        case 255: "ANY"
        case 257: "CAA"
        default: "TYPE\(type)"
        }
    }

    /// A response code's name (RFC 1035, 2136, 6895), or `RCODE<n>` for one not listed here.
    public static func responseCodeName(_ code: UInt16) -> String {
        switch code {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        default: "RCODE\(code)"
        }
    }
}
