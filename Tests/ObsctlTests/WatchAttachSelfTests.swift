import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl watch --pid $$` from a shell, a natural use: the shell is an ancestor of obsctl, and
/// obsctl must leave itself out of what it observes.
@Suite("obsctl watch --pid on an ancestor of obsctl")
struct WatchAttachSelfTests {
    @Test("attached to its own parent shell, obsctl reports none of its own events or samples", .requiresEBPF)
    func leavesItselfOut() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-self-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The shell starts obsctl on itself, waits for its started line, does some work, then
        // stops obsctl with SIGINT (obsctl then exits 130 and leaves the shell running).
        let script = """
            "$0" watch --json --interval 0.02 --no-summary --pid $$ -o \(dir)/events 2>/dev/null &
            obs=$!; echo $obs > \(dir)/obsctl
            while ! grep -q '"started"' \(dir)/events 2>/dev/null; do sleep 0.01; done
            cat /etc/hostname > /dev/null
            sleep 0.2
            kill -INT $obs; wait $obs; echo "rc=$?"
            """
        let shell = NativeProcess(
            .path("/bin/sh"), arguments: ["-c", script, ObsctlRunner.binary], standardOutput: .capture(maxBytes: 4096),
            timeout: .seconds(30))
        let result = try shell.run()
        #expect(result.status == .exited(code: 0))
        #expect(String(decoding: result.standardOutput ?? [], as: UTF8.self) == "rc=130\n")
        let obsctl = try #require(
            Int32(
                try String(contentsOfFile: "\(dir)/obsctl", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        let lines = try String(contentsOfFile: "\(dir)/events", encoding: .utf8).split(separator: "\n").map(String.init)
        let events = try ObsctlRunner.events(lines)
        #expect(events.contains { $0["kind"] as? String == "exec" && ($0["argv"] as? [String])?.first == "cat" })
        #expect(events.allSatisfy { ($0["pid"] as? Int32) != obsctl }, "obsctl's own events were observed")
        let samples = events.filter { $0["kind"] as? String == "sample" }
        #expect(!samples.isEmpty)
        for sample in samples {
            let pids = (sample["processes"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int32 }
            #expect(!pids.contains(obsctl), "obsctl sampled itself")
        }
    }
}
