/// The run's address → host name table behind `peer_name`: each address an answer gave, with
/// the name that was asked for (not a CNAME target: the name the program used), the latest
/// answer winning.
///
/// Filled in ring order, which is the order of the calls that depend on each other (an answer
/// is received before the `connect` its address leads to), and bounded: past `capacity`
/// addresses the oldest half is forgotten, so a run that resolves without end keeps the recent
/// names.
struct DNSNameTable: Sendable {
    let capacity: Int
    private var names: [String: (name: String, order: UInt64)] = [:]
    private var next: UInt64 = 0

    init(capacity: Int = 16_384) {
        self.capacity = max(2, capacity)
    }

    var count: Int { names.count }

    /// Records that `address` (an A or AAAA answer's text) is `name`.
    mutating func record(_ address: String, name: String) {
        next += 1
        names[address] = (name, next)
        if names.count > capacity {
            let orders = names.values.map(\.order).sorted()
            let cutoff = orders[orders.count / 2]
            names = names.filter { $0.value.order >= cutoff }
        }
    }

    /// The name the run resolved for `address`; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
    /// a dual-stack socket's connect to an IPv4 answer) is looked up as its IPv4 address too.
    func name(for address: String) -> String? {
        if let found = names[address] { return found.name }
        let mapped = "::ffff:"
        if address.hasPrefix(mapped), address.contains(".") {
            return names[String(address.dropFirst(mapped.count))]?.name
        }
        return nil
    }

    /// The name for a socket address: inet and inet6 addresses only.
    func name(for address: SocketAddress) -> String? {
        switch address {
        case .ipv4(let text, _), .ipv6(let text, _): name(for: text)
        case .unix, .other, .unreadable, .notRequested: nil
        }
    }
}
