import ProcessObserver

/// The run's DNS lookups, from the `dns` events (`Docs/REPORT.md`, DNS): each name and type
/// asked, how often, what it resolved to, and the failures (NXDOMAIN, SERVFAIL, no answer).
public struct DNSActivity: Sendable, Hashable {
    public static let capacity = 5_000

    /// One question (a name and a type) and what the run got for it.
    public struct Name: Sendable, Hashable {
        public var query: String
        public var type: String
        public var lookups = 0
        /// Lookups answered with NOERROR.
        public var resolved = 0
        /// The answers' values in the order first seen (addresses, CNAME targets), at most 8.
        public var answers: [String] = []
        /// Failures by response code, `timeout` for no answer.
        public var failures: [String: Int] = [:]
        /// Lookups that got an answer (any response code), their latency summed, and the slowest.
        public var answered = 0
        public var latencyNs: UInt64 = 0
        public var slowestNs: UInt64 = 0
        /// The servers asked (`127.0.0.53:53/udp`), sorted.
        public var servers: [String] = []

        public init(query: String, type: String) {
            self.query = query
            self.type = type
        }

        public var failed: Int { failures.values.reduce(0, +) }
    }

    public private(set) var names: [String: Name] = [:]
    public private(set) var lookups = 0
    /// Failures over every name, by response code (`timeout` for no answer).
    public private(set) var failures: [String: Int] = [:]
    /// Lookups of names past `capacity` distinct ones (in `lookups` and `failures` only).
    public private(set) var overflow = 0

    public init() {}

    public var isEmpty: Bool { lookups == 0 }
    public var failed: Int { failures.values.reduce(0, +) }

    /// The word a failed lookup is counted under: its response code, or `timeout`.
    public static func failure(of exchange: DNSExchange) -> String? {
        exchange.resolved ? nil : (exchange.responseCode ?? timeout)
    }

    /// How a lookup that got no answer is counted.
    public static let timeout = "timeout"

    mutating func add(_ d: DNSExchange) {
        lookups += 1
        let failure = Self.failure(of: d)
        if let failure { failures[failure, default: 0] += 1 }
        let key = d.query + " " + d.queryType
        guard names[key] != nil || names.count < Self.capacity else {
            overflow += 1
            return
        }
        var name = names[key] ?? Name(query: d.query, type: d.queryType)
        name.lookups += 1
        if let failure {
            name.failures[failure, default: 0] += 1
        } else {
            name.resolved += 1
        }
        if let ns = d.latencyNs {
            name.answered += 1
            name.latencyNs &+= ns
            name.slowestNs = max(name.slowestNs, ns)
        }
        for answer in d.answers where !name.answers.contains(answer.value) && name.answers.count < 8 {
            name.answers.append(answer.value)
        }
        let server = (d.server.contains(":") ? "[\(d.server)]" : d.server) + ":\(d.port)/" + d.transport.rawValue
        if !name.servers.contains(server) {
            name.servers.append(server)
            name.servers.sort()
        }
        names[key] = name
    }

    /// Every name, the most looked up first, then by name and type.
    public var ordered: [Name] {
        names.values.sorted { ($0.lookups, $1.query, $1.type) > ($1.lookups, $0.query, $0.type) }
    }

    /// The names with a failure, the most failures first.
    public var failing: [Name] {
        names.values.filter { $0.failed > 0 }.sorted { ($0.failed, $1.query, $1.type) > ($1.failed, $0.query, $0.type) }
    }
}
