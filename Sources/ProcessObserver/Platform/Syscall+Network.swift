import Glibc

extension Syscall {
    /// The text form of the 16-byte IPv6 address at `address` (RFC 5952: lower-case hex, the
    /// longest run of zero groups as `::`, `::ffff:a.b.c.d` for v4-mapped addresses); nil when
    /// the C library refuses it. Backed by `inet_ntop(3)` with `AF_INET6`.
    static func ipv6Text(_ address: UnsafeRawPointer) -> String? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard Glibc.inet_ntop(AF_INET6, address, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Named `sa_family` values of the socket addresses the library decodes (Glibc's `AF_*`
/// constants, read here so that code above the seam needs no libc module).
enum AddressFamily {
    static let unix = Int32(AF_UNIX)
    static let inet = Int32(AF_INET)
    static let inet6 = Int32(AF_INET6)
}
