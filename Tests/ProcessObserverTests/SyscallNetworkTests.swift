import Testing

@testable import ProcessObserver

/// The socket-address pieces of the seam: IPv6 text in RFC 5952's one canonical form.
@Suite("Seam: IPv6 text")
struct SyscallNetworkTests {
    @Test(
        "an IPv6 address is written lower-case, with the longest run of zero groups as ::",
        arguments: [
            ([UInt8](repeating: 0, count: 15) + [1], "::1"),
            ([UInt8](repeating: 0, count: 16), "::"),
            ([0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1], "2001:db8::1"),
            // The first of two equally long zero runs is the one compressed.
            ([0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], "2001:db8::1:0:0:1"),
            // A single zero group is not compressed.
            ([0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "2001:db8:0:1:1:1:1:1"),
            ([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1], "::ffff:127.0.0.1"),
            ([0xFE, 0x80] + [UInt8](repeating: 0, count: 6) + [0xAB, 0xCD, 0, 0, 0, 0, 0, 0x0F], "fe80::abcd:0:0:f"),
        ])
    func ipv6Text(bytes: [UInt8], expected: String) {
        #expect(bytes.withUnsafeBytes { Syscall.ipv6Text($0.baseAddress!) } == expected)
    }
}
