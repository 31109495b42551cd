import ProcessObserver

/// Issue 18's kinds as values, every optional member both set and left out: a file's `close`
/// (a regular file, a pipe, a truncated deleted path), a socket's `close` (tcp with a name, udp
/// with no peer, unix), `dns` (answered, NXDOMAIN, no answer), `connect` with a `peer_name` and
/// `exit` with its `io`. `RecordingFixtures.everyKind` holds them all; the round-trip, schema and
/// report tests read them.
public enum IOEventFixtures {
    /// Bytes that are not UTF-8, with a newline, quotes and a backslash.
    public static let hostile = ByteString(bytes: [0x66, 0xFF, 0xFE, 0x0A, 0xC3, 0x28, 0x22, 0x5C])

    public static let kinds: [(EventCategory, EventKind)] = [
        (
            .file,
            .close(
                FileClose(
                    fd: 3, path: "/etc/passwd", absolutePath: ResolvedPath("/etc/passwd", source: .file),
                    bytesRead: 2150, bytesWritten: 0, reads: 3, writes: 0, openNs: 1_250_000, closedBy: .close))
        ),
        (
            .file,
            .close(
                FileClose(
                    fd: 5, path: "pipe:[123]", absolutePath: ResolvedPath("", source: .file, unwalkable: true),
                    bytesRead: 0, bytesWritten: 4096, reads: 0, writes: 1, closedBy: .exec))
        ),
        (
            .file,
            .close(
                FileClose(
                    fd: 1, path: CapturedString(hostile, truncated: true),
                    absolutePath: ResolvedPath("d/f", source: .file, truncated: true, deleted: true),
                    bytesRead: 1, bytesWritten: 1 << 40, reads: 1, writes: 9, openNs: 0, closedBy: .exit))
        ),
        (.file, .close(FileClose(fd: 7, path: "/dev/pts/0", bytesRead: 0, reads: 1, closedBy: .closeRange))),
        (
            .network,
            .socketClose(
                SocketClose(
                    fd: 4, family: "inet", protocol: "tcp", peer: .ipv4(address: "93.184.216.34", port: 443),
                    local: .ipv4(address: "10.0.2.15", port: 43512), bytesSent: 517, bytesReceived: 4301, sends: 2,
                    receives: 3, openNs: 1_200_000_000, closedBy: .close, peerName: "example.com"))
        ),
        (
            .network,
            .socketClose(
                SocketClose(
                    fd: 6, family: "inet6", protocol: "udp", bytesSent: 40, bytesReceived: 0, sends: 1, receives: 0,
                    closedBy: .exit))
        ),
        (
            .network,
            .socketClose(
                SocketClose(
                    fd: 8, family: "unix", protocol: "unix", peer: .unix(path: "/run/x.sock", abstract: false),
                    local: .unix(path: CapturedString(ByteString(bytes: [0, 0x61])), abstract: true), bytesSent: 1,
                    bytesReceived: 2, sends: 1, receives: 2, openNs: 5, closedBy: .closeRange))
        ),
        (
            .network,
            .socketClose(
                SocketClose(
                    fd: 9, family: "inet6", protocol: "tcp", peer: .ipv6(address: "::1", port: 8080),
                    local: .ipv6(address: "::1", port: 40000), bytesSent: 0, bytesReceived: 10, receives: 1,
                    closedBy: .exec))
        ),
        (
            .network,
            .dns(
                DNSExchange(
                    query: "www.example.com", queryType: "A", responseCode: "NOERROR",
                    answers: [
                        .init(type: "CNAME", value: "example.com", ttl: 60),
                        .init(type: "A", value: "93.184.216.34", ttl: 300),
                    ], server: "127.0.0.53", port: 53, transport: .udp, latencyNs: 3_100_000, id: 0xBEEF))
        ),
        (
            .network,
            .dns(
                DNSExchange(
                    query: "nosuch.example", queryType: "AAAA", responseCode: "NXDOMAIN", server: "::1", port: 53,
                    transport: .tcp, latencyNs: 1_000_000, id: 7))
        ),
        (
            .network,
            .dns(
                DNSExchange(
                    query: "slow.example", queryType: "TYPE65", timedOut: true, server: "127.0.0.1", port: 5353,
                    id: 0))
        ),
        (
            .network,
            .connect(
                SocketOperation(
                    fd: 4, address: .ipv4(address: "93.184.216.34", port: 443), result: SyscallResult(0),
                    peerName: "example.com"))
        ),
        (
            .network,
            .accept(
                SocketOperation(
                    fd: 4, address: .ipv6(address: "2001:db8::1", port: 50000), result: SyscallResult(5),
                    peerName: "client.example"))
        ),
        (
            .process,
            .exit(
                ProcessEnd(
                    .exited(code: 0), peakRSSBytes: 4096,
                    io: ProcessIO(
                        readChars: 12_288, writtenChars: 1024, readCalls: 4, writeCalls: 2, readBytes: 8192,
                        writeBytes: 0, cancelledWriteBytes: 0, usesIOUring: false)))
        ),
        (
            .process,
            .exit(
                ProcessEnd(
                    .signaled(signal: 9, coreDumped: false),
                    io: ProcessIO(
                        readChars: 1, writtenChars: 2, readCalls: 3, writeCalls: 4, readBytes: 5, writeBytes: 6,
                        cancelledWriteBytes: 7, usesIOUring: true)))
        ),
    ]
}
