import ObserverReporting
import ObserverTestSupport
import ProcessObserver
import Testing

/// The wording of issue 18's kinds (`EventText+IO`), which the human line, the reports, the
/// Perfetto instants and the OTLP log bodies share.
@Suite("Event wording of closes and DNS")
struct EventTextIOTests {
    static let kinds = IOEventFixtures.kinds.map(\.1)

    @Test(
        "each close and dns exchange in one line of words",
        arguments: [
            (0, "close /etc/passwd read 2.1 KiB in 3 reads 1.3 ms"),
            (1, "close pipe:[123] wrote 4.0 KiB in 1 write at exec"),
            (3, "close /dev/pts/0 read 0 B in 1 read"),
            (4, "close tcp 93.184.216.34:443 (example.com) sent 517 B received 4.2 KiB 1.2 s"),
            (5, "close udp (no peer) sent 40 B received 0 B at exit"),
            (6, "close unix /run/x.sock sent 1 B received 2 B 5 ns"),
            (8, "dns A www.example.com → example.com, 93.184.216.34 NOERROR 3.1 ms"),
            (9, "dns AAAA nosuch.example NXDOMAIN 1.0 ms"),
            (10, "dns TYPE65 slow.example no answer"),
            (11, "connect 93.184.216.34:443 (example.com)"),
            (12, "accept [2001:db8::1]:50000 (client.example)"),
        ])
    func summary(index: Int, text: String) {
        #expect(EventText.summary(Self.kinds[index]) == text)
    }

    @Test("an exit's I/O totals, and io_uring named when the process used it")
    func processIO() throws {
        guard case .exit(let plain) = Self.kinds[13], case .exit(let uring) = Self.kinds[14] else {
            Issue.record("fixtures out of place")
            return
        }
        #expect(
            EventText.processIO(try #require(plain.io))
                == "read 12.0 KiB in 4 calls, wrote 1.0 KiB in 2 calls, storage 8.0 KiB read 0 B written")
        #expect(
            EventText.processIO(try #require(uring.io))
                == "read 1 B in 3 calls, wrote 2 B in 4 calls, storage 5 B read 6 B written, uses io_uring (its io_uring I/O is not counted)"
        )
    }

    @Test(
        "durations in the unit that suits them",
        arguments: [
            (UInt64(850_000), "850 µs"), (3_140_000, "3.1 ms"), (1_250_000_000, "1.3 s"), (0, "0 ns"), (999, "999 ns"),
        ])
    func duration(ns: UInt64, text: String) {
        #expect(ReportText.duration(ns) == text)
    }
}
