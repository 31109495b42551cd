import Foundation
import ObserverTestSupport
import ProcessObserver
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl watch --json` over glibc's resolver asking a DNS server of the test's own on
/// 127.0.0.1 port 53 (`Fixtures/dns_server.py`), over UDP and over TCP (`options use-vc`): every
/// question's query, type, answers and rcode are exactly what the server says it answered
/// (NXDOMAIN included), a question it left unanswered is reported as timed out, and the connects
/// to the answered addresses that follow carry the name.
///
/// The resolver gets its own `/etc/resolv.conf` through a mount namespace (`unshare -m` and a
/// bind mount), as glibc reads no other file and no variable changes the server.
@Suite("DNS, end to end", .serialized)
struct DNSEndToEndTests {
    /// The server process, its stdout (one line per question it saw), and how to stop it.
    final class Server {
        let process: RunningProcess
        private var output: FileDescriptor?
        private var text: [UInt8] = []

        init() throws {
            var pair: [Int32] = [-1, -1]
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
            let theirs = FileDescriptor(rawValue: pair[1])
            defer { try? theirs.close() }
            output = FileDescriptor(rawValue: pair[0])
            process = try NativeProcess(
                .name("python3"),
                arguments: [ByteString(ReportFixture.directory.appendingPathComponent("dns_server.py").path)],
                standardOutput: .fileDescriptor(theirs), containment: .processGroup
            ).spawn()
            try #require(readLine()?.hasPrefix("ready") == true, "the DNS server did not start (is port 53 taken?)")
        }

        /// The next line of the server's output; nil at its end.
        func readLine() -> String? {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                if let newline = text.firstIndex(of: UInt8(ascii: "\n")) {
                    defer { text.removeSubrange(...newline) }
                    return String(decoding: text[..<newline], as: UTF8.self)
                }
                guard let fd = output,
                    let n = try? chunk.withUnsafeMutableBytes({ try fd.read(into: $0, retryOnInterrupt: true) }), n > 0
                else { return nil }
                text += chunk[..<n]
            }
        }

        /// Stops the server; returns the lines it wrote since `ready`.
        func stop() -> [String] {
            process.interrupt(SIGKILL)
            _ = process.wait()
            var lines: [String] = []
            while let line = readLine() { lines.append(line) }
            try? output?.close()
            output = nil
            return lines
        }
    }

    /// The names the workload asks for, in order: an address, an alias, no such name, no answer.
    static let names = ["svc.obs.test", "alias.obs.test", "missing.obs.test", "silent.obs.test"]

    /// The workload: in a mount namespace with the test's resolv.conf, `getent ahosts` (glibc's
    /// getaddrinfo: an A and an AAAA question per name) for each name, then a UDP connect to the
    /// answered address, and one datagram sent on it (so that its close, with byte counting, is
    /// reported).
    static func workload(resolvConf: String) -> [String] {
        let lookups = names.map { "getent ahosts \($0) >/dev/null" }.joined(separator: "; ")
        let connect =
            "python3 -c \"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            + "s.connect(('127.0.0.77', 9)); s.send(b'x')\""
        return [
            "unshare", "-m", "sh", "-c", "mount --bind \(resolvConf) /etc/resolv.conf && { \(lookups); \(connect); }",
        ]
    }

    @Test(
        "every question glibc asks, over UDP and TCP, is one dns event exactly as the server answered it",
        .requiresEBPF, arguments: ["udp", "tcp"], [true, false])
    func exact(transport: String, countingBytes: Bool) throws {
        let resolvConf = ReportFixture.temporary("resolv.conf")
        defer { try? FileManager.default.removeItem(atPath: resolvConf) }
        let options = "options attempts:1 timeout:1" + (transport == "tcp" ? " use-vc" : "")
        try "nameserver 127.0.0.1\n\(options)\n".write(toFile: resolvConf, atomically: true, encoding: .utf8)
        let server = try Server()
        let outcome: ObsctlRunner.Outcome
        do {
            outcome = try ObsctlRunner.run(
                ["watch", "--json", "--categories", "network"] + (countingBytes ? [] : ["--no-io-bytes"]) + ["--"]
                    + Self.workload(resolvConf: resolvConf))
        } catch {
            _ = server.stop()
            throw error
        }
        let said = server.stop()
        #expect(outcome.status == .exited(code: 0), "\(String(decoding: outcome.stderr, as: UTF8.self))")
        #expect(try ObsctlRunner.schemaErrors(outcome.stdout) == "")
        let lines = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let events = try ObsctlRunner.events(lines)

        // The oracle: what the server says it did, one line per question, in the same words.
        let expected = said.map { line -> String in
            let f = line.split(separator: " ").map(String.init)
            if f[0] == "silent" { return "\(f[1]) \(f[2]) \(f[3]) \(f[4]) timed out" }
            let rcode = ["0": "NOERROR", "3": "NXDOMAIN"][f[5]] ?? f[5]
            let answers = f.dropFirst(6).map { $0.replacingOccurrences(of: "=", with: " ") }
            return "\(f[1]) \(f[2]) \(f[3]) \(f[4]) \(rcode)" + answers.map { " " + $0 }.joined()
        }
        #expect(expected.count == 2 * Self.names.count, "the server saw \(said)")
        #expect(Set(said.map { $0.split(separator: " ")[1] }) == [Substring(transport)])

        let dns = events.filter { $0["kind"] as? String == "dns" }
        let seen = dns.map { e -> String in
            let head = "\(e["transport"] ?? "-") \(e["id"] ?? "-") \(e["query"] ?? "-") \(e["qtype"] ?? "-")"
            if e["timed_out"] as? Bool == true { return head + " timed out" }
            let answers = (e["answers"] as? [[String: Any]] ?? []).map { " \($0["type"] ?? "-") \($0["value"] ?? "-")" }
            return head + " \(e["rcode"] ?? "-")" + answers.joined()
        }
        #expect(seen.sorted() == expected.sorted())
        for e in dns {
            #expect(e["category"] as? String == "network")
            #expect(e["server"] as? String == "127.0.0.1")
            #expect(e["port"] as? Int == 53)
            #expect(e["comm"] as? String == "getent")
            if e["timed_out"] as? Bool == true {
                #expect(e["latency_ns"] == nil && e["rcode"] == nil)
            } else {
                #expect((e["latency_ns"] as? Int ?? 0) > 0)
            }
        }

        // Unanswered questions time out when the asking getent exits (its exit record), before
        // the workload goes on to the connect, not at the run's end.
        let lastTimeout = try #require(events.lastIndex { $0["timed_out"] as? Bool == true })
        let pythonConnect = try #require(
            events.firstIndex { $0["kind"] as? String == "connect" && $0["comm"] as? String == "python3" })
        #expect(lastTimeout < pythonConnect)

        // Connects: the resolver's to the server (no name), getaddrinfo's sorting connects to
        // each answered address, and the workload's to 127.0.0.77, named by the latest answer.
        let connects = events.filter { $0["kind"] as? String == "connect" && $0["family"] as? String != "unix" }
        func describe(_ e: [String: Any]) -> String {
            "\(e["comm"] ?? "-") \(e["address"] ?? "-"):\(e["port"] ?? "-") \(e["peer_name"] ?? "-")"
        }
        let resolverConnects = Array(repeating: "getent 127.0.0.1:53 -", count: Self.names.count)
        let sortingConnects = [
            "getent 127.0.0.77:0 svc.obs.test", "getent fd00::77:0 svc.obs.test",
            "getent 127.0.0.77:0 alias.obs.test", "getent fd00::77:0 alias.obs.test",
        ]
        #expect(
            connects.map(describe).sorted()
                == (resolverConnects + sortingConnects + ["python3 127.0.0.77:9 alias.obs.test"]).sorted())

        // With byte counting, the workload's socket is closed (at its exit) after its datagram,
        // and the close names its peer too; without, there is no close event.
        let closes = events.filter { $0["kind"] as? String == "close" && $0["comm"] as? String == "python3" }
        #expect(closes.map(describe) == (countingBytes ? ["python3 127.0.0.77:9 alias.obs.test"] : []))
    }
}
