/// One DNS payload the kernel program copied from a call on a socket whose peer or local port
/// is 53 (`obs_dns_rec`): which way it went, between which ends, and its bytes.
struct DNSPayload: Sendable, Hashable {
    /// Which way the bytes went, seen from the observed process.
    enum Direction: Sendable, Hashable {
        case sent
        case received
    }

    /// An address as text (the same text as a connect's) and a port.
    struct Endpoint: Sendable, Hashable {
        var address: String
        var port: UInt16
    }

    var direction: Direction
    var transport: DNSExchange.Transport
    var fd: Int32
    /// The other end: the server for a resolver, the client for a server.
    var remote: Endpoint
    /// The socket's own end.
    var local: Endpoint
    /// The beginning of what the call moved (all of it unless the capture's bound cut it).
    var captured: [UInt8]
    /// Bytes the call moved for this message (one message of a `sendmmsg`/`recvmmsg`).
    var moved: Int

    /// The DNS server's end: whichever end has port 53, the remote one when both do.
    var server: Endpoint {
        remote.port == 53 || local.port != 53 ? remote : local
    }
}
