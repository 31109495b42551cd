import Foundation
import ProcessObserver
import Testing

/// The header every JSON stream of `obsctl watch` starts with, through the real binary: on
/// stdout and in `-o FILE`, with this machine's facts, the categories really observed, and the
/// clock base every event's `time` is derived from.
@Suite("obsctl watch --json: the recording header")
struct RecordingHeaderEndToEndTests {
    private func machine(_ file: String) throws -> String {
        try String(contentsOfFile: "/proc/sys/kernel/\(file)", encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    @Test(
        "stdout: the first line is the header, with this machine, the command, its directory and the observed categories"
    )
    func onStdout() throws {
        let run = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0", "--categories", "lifecycle", "--", "sh", "-c", "exit 0",
        ])
        #expect(run.exitCode == 0)
        let all = try ObsctlRunner.objects(run.lines)
        let header = try #require(all.first)
        #expect(header["kind"] as? String == "header")
        #expect(header["category"] as? String == "lifecycle")
        #expect(header["seq"] as? Int == 0)
        #expect(header["schema_version"] as? String == "1.6")
        #expect(header["writer"] as? String == "obsctl")
        #expect(header["writer_version"] as? String == "0.9.0")
        #expect(header["host"] as? String == (try machine("hostname")))
        #expect(header["kernel_release"] as? String == (try machine("osrelease")))
        #expect(header["boot_id"] as? String == (try machine("random/boot_id")))
        #expect(header["argv"] as? [String] == ["sh", "-c", "exit 0"])
        #expect(header["cwd"] as? String == FileManager.default.currentDirectoryPath)
        #expect(header["attached"] as? Bool == false)
        #expect(header["pid"] as? Int == all[1]["pid"] as? Int)
        let capabilities = try #require(header["capabilities"] as? [[String: Any]])
        #expect(
            capabilities.map { $0["category"] as? String }
                == ["lifecycle", "file", "network", "process", "sampling", "containment"])
        // Only lifecycle was asked for; sampling is off with --interval 0.
        #expect(capabilities.map { $0["observed"] as? Bool } == [true, false, false, false, false, true])
        // The same negotiation `obsctl capabilities --json` reports.
        let probed = try #require(
            try JSONSerialization.jsonObject(with: Data(try ObsctlRunner.run(["capabilities", "--json"]).stdout))
                as? [[String: Any]])
        #expect(capabilities.map { $0["support"] as? String } == probed.map { $0["support"] as? String })
        #expect(capabilities.map { $0["backend"] as? String } == probed.map { $0["backend"] as? String })
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
    }

    @Test("-o FILE: the header is the file's first line; every event's time derives from its clock base")
    func inFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-header-\(getpid()).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ObsctlRunner.run([
            "watch", "--json", "--interval", "0.05", "-o", file.path, "--", "sh", "-c", "sleep 0.2",
        ])
        #expect(run.exitCode == 0)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let events = try ObsctlRunner.events(lines)
        let header = try #require(try ObsctlRunner.objects([lines[0]]).first)
        let clock = try #require(header["clock"] as? [String: Any])
        let mono = try #require(clock["monotonic_ns"] as? UInt64)
        let wall = try #require(clock["realtime_ns"] as? Int64)
        #expect(header["ts_ns"] as? UInt64 == mono)
        #expect(events.contains { $0["kind"] as? String == "sample" })
        // The library reads the same file back, each event's time from the same base.
        let recording = try RunRecording.open(file.path)
        #expect(recording.header?.clockBase == ClockBase(monotonicNs: mono, wallNs: wall))
        var count = 0
        while let event = try recording.next() {
            count += 1
            #expect(event.timestampNs >= mono)
            #expect(event.wallClockNs == wall + Int64(event.timestampNs - mono))
        }
        #expect(count == events.count)
        #expect(recording.coverage.isTruncated == false)
    }
}
