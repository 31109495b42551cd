import CObserverBPF

extension RecordDecoder {
    /// The fixed part of a DNS record (`obs_dns_rec`), and where its payload starts.
    enum DNSField {
        static let data = Int(obs_dns_rec_size(0))
        static let len = MemoryLayout<obs_dns_rec>.offset(of: \.len)!
    }

    /// The size rule of a DNS record: its fixed part, then `len` bytes of payload.
    static func dnsRecordSize(_ p: UnsafeRawPointer) -> (payload: Int, expected: Int) {
        let len = Int(p.loadUnaligned(fromByteOffset: DNSField.len, as: UInt16.self))
        return (len, Int(obs_dns_rec_size(UInt64(len))))
    }

    /// A DNS record (its size already checked) as the payload the tracker pairs; nil for one
    /// whose family, direction or transport the contract does not name.
    func decodeDNS(_ p: UnsafeRawPointer) -> DNSPayload? {
        let r = p.loadUnaligned(as: obs_dns_rec.self)
        let direction: DNSPayload.Direction
        switch UInt32(r.direction) {
        case OBS_DNS_SENT.rawValue: direction = .sent
        case OBS_DNS_RECEIVED.rawValue: direction = .received
        default: return nil
        }
        let transport: DNSExchange.Transport
        switch UInt32(r.transport) {
        case OBS_DNS_UDP.rawValue: transport = .udp
        case OBS_DNS_TCP.rawValue: transport = .tcp
        default: return nil
        }
        let remoteAt = MemoryLayout<obs_dns_rec>.offset(of: \.remote_addr)!
        let localAt = MemoryLayout<obs_dns_rec>.offset(of: \.local_addr)!
        guard let remote = Self.addressText(p + remoteAt, family: Int32(r.family)),
            let local = Self.addressText(p + localAt, family: Int32(r.family))
        else { return nil }
        let payload = UnsafeRawBufferPointer(start: p + DNSField.data, count: Int(r.len))
        return DNSPayload(
            direction: direction, transport: transport, fd: r.fd,
            remote: .init(address: remote, port: r.remote_port), local: .init(address: local, port: r.local_port),
            captured: Array(payload), moved: Int(r.moved))
    }

    /// An address of `family` as a connect's address is written (dotted quad; inet_ntop for IPv6).
    private static func addressText(_ p: UnsafeRawPointer, family: Int32) -> String? {
        switch family {
        case AddressFamily.inet:
            let b = UnsafeRawBufferPointer(start: p, count: 4)
            return "\(b[0]).\(b[1]).\(b[2]).\(b[3])"
        case AddressFamily.inet6:
            return Syscall.ipv6Text(p)
        default:
            return nil
        }
    }
}
