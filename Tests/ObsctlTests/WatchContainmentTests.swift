import Foundation
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// obsctl and the run's whole tree, through the real binary and this machine's cgroups: nothing
/// the command starts outlives the run unobserved, whatever process group or session it moves to.
@Suite("obsctl watch: the run's whole tree", .serialized)
struct WatchContainmentTests {
    /// Waits (bounded, 10 s) until no process `pid` exists; true once it is gone.
    static func gone(_ pid: Int32) -> Bool {
        for _ in 0..<10_000 {
            if kill(pid, 0) == -1 && errno == ESRCH { return true }
            usleep(1000)
        }
        return false
    }

    /// A fresh directory for the test's pid files.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-tree-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func pid(in file: String) throws -> Int32 {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("SIGINT with a background child that ignores it: the child is killed, summary, exit 130, nothing left")
    func interruptIgnoringChild() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A non-interactive shell starts its background jobs with SIGINT ignored.
        let obsctl = try ObsctlRunner.start(
            [
                "watch", "--json", "--interval", "0", "--categories", "lifecycle", "-o", "\(dir)/events", "--", "sh",
                "-c", "sleep 60 & echo $! > \(dir)/bg; echo ready; exec sleep 60",
            ].map { Array($0.utf8) })
        #expect(obsctl.readStdoutLine(containing: "ready") == "ready")
        let background = try Self.pid(in: "\(dir)/bg")
        #expect(kill(obsctl.pid, SIGINT) == 0)
        let run = obsctl.finish()
        #expect(run.exitCode == 130)
        // With -o, the summary goes to stdout; nothing about waiting, since obsctl was told to stop.
        #expect(run.out.contains("obsctl: sh: killed by SIGINT (2) after "))
        #expect(run.err.isEmpty)
        #expect(Self.gone(background), "the background sleep \(background) outlived obsctl")
    }

    @Test("a setsid escapee is waited for by default, with one note on stderr, and its output arrives")
    func waitsForEscapee() throws {
        let run = try ObsctlRunner.run([
            "watch", "--interval", "0", "--categories", "lifecycle", "-o", "/dev/null", "--", "sh", "-c",
            "setsid sh -c 'sleep 1; echo late' & exit 0",
        ])
        #expect(run.exitCode == 0)
        #expect(run.out.hasPrefix("late\nobsctl: sh: exit code 0 after "))
        let notes = run.err.split(separator: "\n").filter { $0.hasPrefix("obsctl: note: sh has exited; waiting for ") }
        #expect(notes.count == 1)
        #expect(
            notes.first?.hasSuffix(
                ". Ctrl-C ends them; --end-with-root ends them with the command.") == true)
        #expect(run.out.contains("\n  tree       cpu user "))
    }

    @Test("--end-with-root: obsctl ends the escapee when the command exits, and leaves nothing")
    func endWithRoot() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try ObsctlRunner.run([
            "watch", "--end-with-root", "--interval", "0", "--categories", "lifecycle", "--no-summary", "--", "sh",
            "-c", "setsid sleep 60 > /dev/null & echo $! > \(dir)/escapee; exit 0",
        ])
        #expect(run.exitCode == 0)
        let escapee = try Self.pid(in: "\(dir)/escapee")
        #expect(Self.gone(escapee), "the setsid sleep \(escapee) survived --end-with-root")
    }
}
