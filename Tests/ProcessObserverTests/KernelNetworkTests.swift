import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

extension KernelSuite {
    @Suite("Kernel: network events")
    struct NetworkEvents {
        /// Loopback IPv4 and IPv6 listeners, a client for each, an accept, a refused connect, and a
        /// unix socket pair; prints the ports and descriptors it used.
        static let workload = """
            #include <arpa/inet.h>
            #include <netinet/in.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            #include <unistd.h>
            static int port_of(int fd) {
                struct sockaddr_storage ss; socklen_t len = sizeof ss;
                getsockname(fd, (struct sockaddr *)&ss, &len);
                return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
            }
            static void inet(int family, const char *host) {
                struct sockaddr_storage ss; memset(&ss, 0, sizeof ss);
                socklen_t len;
                if (family == AF_INET) {
                    struct sockaddr_in *a = (struct sockaddr_in *)&ss; a->sin_family = AF_INET;
                    inet_pton(AF_INET, host, &a->sin_addr); len = sizeof *a;
                } else {
                    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss; a->sin6_family = AF_INET6;
                    inet_pton(AF_INET6, host, &a->sin6_addr); len = sizeof *a;
                }
                int lfd = socket(family, SOCK_STREAM, 0);
                bind(lfd, (struct sockaddr *)&ss, len);
                listen(lfd, 7);
                int port = port_of(lfd);
                int cfd = socket(family, SOCK_STREAM, 0);
                if (family == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = htons(port);
                else ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
                connect(cfd, (struct sockaddr *)&ss, len);
                struct sockaddr_storage peer; socklen_t plen = sizeof peer;
                int afd = accept(lfd, (struct sockaddr *)&peer, &plen);
                printf("%d %d %d %d %d\\n", lfd, port, cfd, port_of(cfd), afd);
                /* A bound socket that is not listening refuses connections. */
                int closed = socket(family, SOCK_STREAM, 0);
                if (family == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = 0;
                else ((struct sockaddr_in6 *)&ss)->sin6_port = 0;
                bind(closed, (struct sockaddr *)&ss, len);
                int refused = port_of(closed);
                if (family == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = htons(refused);
                else ((struct sockaddr_in6 *)&ss)->sin6_port = htons(refused);
                int rfd = socket(family, SOCK_STREAM, 0);
                printf("%d %d %d\\n", refused, rfd, connect(rfd, (struct sockaddr *)&ss, len));
            }
            int main(int argc, char **argv) {
                inet(AF_INET, "127.0.0.1");
                inet(AF_INET6, "::1");
                struct sockaddr_un un; memset(&un, 0, sizeof un); un.sun_family = AF_UNIX;
                strcpy(un.sun_path, argv[1]);
                int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
                bind(lfd, (struct sockaddr *)&un, sizeof un);
                listen(lfd, 3);
                int cfd = socket(AF_UNIX, SOCK_STREAM, 0);
                printf("%d %d %d\\n", lfd, cfd, connect(cfd, (struct sockaddr *)&un, sizeof un));
                return 0;
            }
            """

        @Test(
            "loopback IPv4, IPv6 and unix sockets give bind, listen, connect and accept with addresses and ports",
            .requiresEBPF)
        func loopback() throws {
            let dir = makeTemporaryDirectory("net")
            defer { removeTree(dir) }
            let exe = try compileC(Self.workload, name: "net", in: dir)
            let socketPath = "\(dir)/sock"
            let (events, result, output) = try observeCapturing(
                .path(FilePath(exe)), [socketPath], categories: [.network])
            #expect(result.status == .exited(code: 0))
            let lines = output.split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }
            try #require(lines.count == 5)
            var expected: [String] = []
            for (i, (host, family)) in [("127.0.0.1", "inet"), ("::1", "inet6")].enumerated() {
                let (lfd, port, cfd, clientPort, afd) = (
                    lines[2 * i][0], lines[2 * i][1], lines[2 * i][2], lines[2 * i][3], lines[2 * i][4]
                )
                let (refusedPort, rfd, rc) = (lines[2 * i + 1][0], lines[2 * i + 1][1], lines[2 * i + 1][2])
                #expect(rc == -1)
                expected += [
                    "bind \(lfd) \(family) \(host) 0 = 0",
                    "listen \(lfd) 7 = 0",
                    "connect \(cfd) \(family) \(host) \(port) = 0",
                    "accept \(lfd) \(family) \(host) \(clientPort) = \(afd)",
                    "bind \(lfd + 3) \(family) \(host) 0 = 0",
                    "connect \(rfd) \(family) \(host) \(refusedPort) = -111 ECONNREFUSED",
                ]
            }
            let unix = lines[4]
            expected += [
                "bind \(unix[0]) unix \(socketPath) = 0",
                "listen \(unix[0]) 3 = 0",
                "connect \(unix[1]) unix \(socketPath) = 0",
            ]
            func describe(_ a: SocketAddress) -> String {
                switch a {
                case .ipv4(let address, let port): "inet \(address) \(port)"
                case .ipv6(let address, let port): "inet6 \(address) \(port)"
                case .unix(let path, let abstract): "unix \(abstract ? "@" : "")\(path.value)"
                case .other(let family): "af_\(family)"
                case .unreadable: "unreadable"
                case .notRequested: "not requested"
                }
            }
            func outcome(_ r: SyscallResult) -> String { "\(r.rawValue)" + (r.errnoName.map { " \($0)" } ?? "") }
            let seen = events.compactMap { e -> String? in
                switch e.kind {
                case .bind(let s): "bind \(s.fd) \(describe(s.address)) = \(outcome(s.result))"
                case .connect(let s): "connect \(s.fd) \(describe(s.address)) = \(outcome(s.result))"
                case .accept(let s): "accept \(s.fd) \(describe(s.address)) = \(outcome(s.result))"
                case .listen(let l): "listen \(l.fd) \(l.backlog) = \(outcome(l.result))"
                default: nil
                }
            }
            #expect(seen == expected)
        }
    }
}
