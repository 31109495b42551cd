import Foundation
import ProcessObserver
import Testing

@testable import obsctl

/// The human lines of issue 18's kinds, as `obsctl watch` prints them, for the events of the
/// hand-written recording `Fixtures/io-dns.jsonl` (Docs/IO-AND-DNS.md shows the same lines).
@Suite("Human lines of close, dns and exit I/O")
struct HumanLineIOTests {
    @Test("close, dns, connect with its peer name and exit with its I/O totals, one aligned line each")
    func lines() throws {
        let recording = try RunRecording.open(IOReportEndToEndTests.recording)
        let origin = try #require(recording.header?.clockBase.monotonicNs)
        let formatter = HumanFormatter(originNs: origin, colour: false)
        var lines: [UInt64: String] = [:]
        while let event = try recording.next() { lines[event.seq] = formatter.line(event) }
        #expect(
            lines[8]
                == "    0.010  network    dns       901/902  [curl] A example.com → 93.184.216.34 NOERROR 3.10 ms  127.0.0.53:53/udp\n"
        )
        #expect(
            lines[11]
                == "    0.013  network    connect       901  [curl] fd 5  inet 93.184.216.34:443 (example.com)  = -115 EINPROGRESS\n"
        )
        #expect(
            lines[15]
                == "    1.213  network    close         901  [curl] fd 5  tcp 93.184.216.34:443 (example.com) sent 517 B received 4.2 KiB 1.20 s\n"
        )
        #expect(
            lines[16]
                == "    1.214  file       close         901  [curl] fd 6  /tmp/page wrote 1.2 KiB in 1 write 1.19 s at exit\n"
        )
        #expect(
            lines[13] == "    0.020  network    dns       901/902  [curl] A slow.example no answer  127.0.0.53:53/udp\n"
        )
        #expect(
            lines[25]
                == "    1.402  process    exit          903  [fio] exit code 0  peak rss 20.0 MiB  read 64 B in 2 calls, wrote 1.0 MiB in 259 calls, storage 0 B read 64.0 MiB written, uses io_uring (its io_uring I/O is not counted)\n"
        )
    }
}
