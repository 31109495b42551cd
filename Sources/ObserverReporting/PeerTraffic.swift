import ProcessObserver

/// Bytes and connections per network peer, from the socket `close` events (`Docs/REPORT.md`,
/// Network): peers by host name (the `peer_name` the run resolved, else the address), with the
/// sockets closed, the bytes each way and how long they were open.
public struct PeerTraffic: Sendable, Hashable {
    public static let capacity = 5_000

    /// One peer's figures, summed over its sockets.
    public struct Peer: Sendable, Hashable {
        /// The host name, or the address (without its port) when the run resolved no name for it;
        /// `(no peer) udp` for sockets that had none.
        public var name: String
        /// The peer's addresses as `EventText.address` words them (`93.184.216.34:443`), sorted.
        public var addresses: [String] = []
        /// The protocols its sockets used (`tcp`, `udp`, …), sorted.
        public var protocols: [String] = []
        /// Sockets closed (one per connection or socket).
        public var connections = 0
        public var bytesSent: UInt64 = 0
        public var bytesReceived: UInt64 = 0
        public var sends: UInt64 = 0
        public var receives: UInt64 = 0
        /// Sockets whose open was seen (`open_ns`), their open time summed, and the longest.
        public var timedConnections = 0
        public var openNs: UInt64 = 0
        public var longestOpenNs: UInt64 = 0

        public init(name: String) { self.name = name }

        public var bytes: UInt64 { bytesSent &+ bytesReceived }

        mutating func add(_ c: SocketClose, address: String?) {
            connections += 1
            bytesSent &+= c.bytesSent
            bytesReceived &+= c.bytesReceived
            sends &+= c.sends
            receives &+= c.receives
            if let ns = c.openNs {
                timedConnections += 1
                openNs &+= ns
                longestOpenNs = max(longestOpenNs, ns)
            }
            // A few addresses and protocols per name: a name with many addresses keeps its first 8.
            if let address, !addresses.contains(address), addresses.count < 8 {
                addresses.append(address)
                addresses.sort()
            }
            if !protocols.contains(c.protocol) {
                protocols.append(c.protocol)
                protocols.sort()
            }
        }
    }

    public private(set) var peers: [String: Peer] = [:]
    /// Every socket counted, those of peers past `capacity` included.
    public private(set) var total = Peer(name: "")
    /// Sockets of peers that arrived after `capacity` distinct ones.
    public private(set) var overflow = 0

    public init() {}

    public var isEmpty: Bool { total.connections == 0 }

    /// The name a socket's peer is listed under: its `peer_name`, else its address without the
    /// port (a unix socket's path), else `(no peer) <protocol>`.
    static func name(of close: SocketClose) -> String {
        if let name = close.peerName { return name }
        switch close.peer {
        case .ipv4(let host, _)?, .ipv6(let host, _)?: return host
        case let peer?: return EventText.address(peer)
        case nil: return "(no peer) " + close.protocol
        }
    }

    mutating func add(_ close: SocketClose) {
        let address = close.peer.map { EventText.address($0) }
        total.add(close, address: nil)
        let name = Self.name(of: close)
        if peers[name] != nil || peers.count < Self.capacity {
            peers[name, default: Peer(name: name)].add(close, address: address)
        } else {
            overflow += 1
        }
    }

    /// The `limit` peers with the most bytes both ways, ties by connections, then by name.
    public func top(_ limit: Int) -> [Peer] {
        peers.values.sorted {
            ($0.bytes, $0.connections, $1.name) > ($1.bytes, $1.connections, $0.name)
        }.prefix(limit).map { $0 }
    }
}
