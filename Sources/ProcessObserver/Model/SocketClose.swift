/// A socket descriptor closed after the tree sent or received on it: its bytes and calls each
/// way, summed in the kernel, one event per socket rather than one per send.
///
/// A socket closed without any I/O emits nothing. `openNs` runs from the socket's `socket()`,
/// `accept` or `connect`, whichever the run saw first.
public struct SocketClose: Sendable, Hashable {
    public var fd: Int32
    /// The socket's address family, named as `SocketAddress.familyName` names it (`inet`,
    /// `inet6`, `unix`, `af_<n>`).
    public var family: String
    /// The protocol: `tcp`, `udp`, `raw`, `unix`, … (an open set: `Docs/EVENTS.md`).
    public var `protocol`: String
    /// The peer the socket was connected to; nil for a socket that had none (an unconnected UDP
    /// socket, a listening socket).
    public var peer: SocketAddress?
    /// The socket's own address, when it had one.
    public var local: SocketAddress?
    public var bytesSent: UInt64
    public var bytesReceived: UInt64
    /// Successful send calls (`write` on the socket included).
    public var sends: UInt64
    /// Successful receive calls (`read` on the socket included, one returning 0 at the peer's
    /// shutdown too).
    public var receives: UInt64
    /// Nanoseconds from the socket's first observed `socket()`, `accept` or `connect` to the close.
    public var openNs: UInt64?
    public var closedBy: CloseReason
    /// The name the run resolved for the peer's address (the latest DNS answer before the close
    /// that named it), when there was one.
    public var peerName: String?

    public init(
        fd: Int32, family: String, protocol: String, peer: SocketAddress? = nil, local: SocketAddress? = nil,
        bytesSent: UInt64 = 0, bytesReceived: UInt64 = 0, sends: UInt64 = 0, receives: UInt64 = 0,
        openNs: UInt64? = nil, closedBy: CloseReason = .close, peerName: String? = nil
    ) {
        self.fd = fd
        self.family = family
        self.protocol = `protocol`
        self.peer = peer
        self.local = local
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
        self.sends = sends
        self.receives = receives
        self.openNs = openNs
        self.closedBy = closedBy
        self.peerName = peerName
    }
}
