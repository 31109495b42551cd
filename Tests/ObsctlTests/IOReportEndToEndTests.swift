import Foundation
import ObserverReporting
import ObserverTestSupport
import ProcessObserver
import Testing

/// `obsctl report` of a recording with issue 18's kinds (`Fixtures/io-dns.jsonl`, written by hand
/// with `scripts/make-io-fixture.py`): files by bytes, peers by host name, the DNS section and the
/// io_uring note, checked against a golden report and against sums made from the events here.
@Suite("obsctl report of byte counts and DNS, end to end")
struct IOReportEndToEndTests {
    static let recording = ReportFixture.directory.appendingPathComponent("io-dns.jsonl").path

    /// `(bytes_read, bytes_written, reads, writes)` per path, summed from the file `close` events.
    static func fileSums(_ events: [[String: Any]]) -> [String: [Int]] {
        var sums: [String: [Int]] = [:]
        for e in events where e["kind"] as? String == "close" && e["category"] as? String == "file" {
            let path = (e["abs_path"] as? String) ?? (e["path"] as? String ?? "?")
            let figures = ["bytes_read", "bytes_written", "reads", "writes"].map { e[$0] as? Int ?? -1 }
            sums[path] = zip(sums[path] ?? [0, 0, 0, 0], figures).map { $0 + $1 }
        }
        return sums
    }

    @Test("the terminal report is exactly the golden file: files by bytes, traffic by name, DNS, io_uring")
    func goldenText() throws {
        let run = try ObsctlRunner.run(["report", Self.recording])
        #expect(run.exitCode == 0)
        #expect(run.err == "")
        #expect(run.out == (try ReportFixture.text("io-dns.report.txt")))
        #expect(run.out.contains("\nDNS\n"))
        #expect(run.out.contains("  io_uring     fio [903]: used io_uring; its io_uring I/O is not in these counts\n"))
        #expect(run.out.contains("I/O through mmap is never counted\n"))
    }

    @Test("--json: valid against its schema, each file's bytes and calls the sums of its closes, peers by name")
    func json() throws {
        let run = try ObsctlRunner.run(["report", "--json", Self.recording])
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.reportSchemaErrors(run.stdout) == "")
        let document = try ReportFixture.document(run.out)
        #expect(document["report_version"] as? String == "1.5")
        let io = try #require(document["io"] as? [String: Any])
        let events = Array(try ReportFixture.objects(Self.recording).dropFirst())
        let files = try #require(io["files"] as? [[String: Any]])
        var reported: [String: [Int]] = [:]
        for f in files {
            reported[f["path"] as? String ?? "?"] = ["bytes_read", "bytes_written", "reads", "writes"].map {
                f[$0] as? Int ?? -1
            }
        }
        #expect(reported == Self.fileSums(events))
        #expect(
            files.map { $0["path"] as? String } == [
                "/tmp/io/data.bin", "/tmp/page", "/run/systemd/resolve/stub-resolv.conf", "pipe:[4242]",
                "/tmp/io/job.fio",
            ])
        let peers = try #require(io["peers"] as? [[String: Any]])
        #expect(peers.map { $0["name"] as? String } == ["example.com", "127.0.0.53"])
        #expect(peers[0]["bytes_sent"] as? Int == 517)
        #expect(peers[0]["bytes_received"] as? Int == 4301)
        #expect(peers[0]["open_ns"] as? Int == 1_200_000_000)
        let dns = try #require(io["dns"] as? [String: Any])
        #expect(dns["lookups"] as? Int == events.filter { $0["kind"] as? String == "dns" }.count)
        #expect(dns["failures"] as? [String: Int] == ["NXDOMAIN": 1, "timeout": 1])
        let names = try #require(dns["names"] as? [[String: Any]])
        let a = try #require(names.first { $0["query"] as? String == "example.com" && $0["qtype"] as? String == "A" })
        #expect(a["answers"] as? [String] == ["93.184.216.34"])
        #expect(io["io_uring_processes"] as? [String] == ["fio [903]"])
        let totals = try #require(io["process_totals"] as? [String: Any])
        #expect(totals["processes"] as? Int == 3)
        #expect(totals["wchar"] as? Int == 1831 + 1_048_876)
        #expect(totals["write_bytes"] as? Int == 4096 + 67_108_864)
        // connect carries the name the run resolved: the NETWORK table says it too.
        let connects = try #require((document["network"] as? [String: Any])?["connect"] as? [[String: Any]])
        #expect(connects.map { $0["peer"] as? String } == ["127.0.0.53:53", "93.184.216.34:443 (example.com)"])
    }

    @Test("a recording without byte counting has no io member and no DNS section")
    func notCounted() throws {
        let text = try ObsctlRunner.run(["report", ReportFixture.makeRecording]).out
        #expect(!text.contains("\nDNS\n"))
        #expect(!text.contains("by bytes"))
        let document = try ReportFixture.document(
            try ObsctlRunner.run(["report", "--json", ReportFixture.makeRecording]).out)
        #expect(document["io"] == nil)
    }
}
