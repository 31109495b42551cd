import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Signals to obsctl, hostile argv and closed pipes, through the real built binary.
@Suite("obsctl watch: signals, hostile argv, closed pipes")
struct WatchSignalTests {
    /// Starts `obsctl watch --json -- sleep 30`, waits for its `started` line, sends `signal`
    /// to obsctl and checks the forwarded ending.
    private func interrupt(with signal: Int32, name: String) throws {
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--categories", "lifecycle", "--", "sleep", "30"].map {
                Array($0.utf8)
            })
        let started = try #require(obsctl.readStdoutLine(containing: "\"kind\":\"started\""))
        let event = try #require(try ObsctlRunner.objects([started]).first)
        let sleepPID = try #require(event["pid"] as? Int32)
        #expect(kill(obsctl.pid, signal) == 0)
        let run = obsctl.finish()

        #expect(run.exitCode == 128 + signal)
        let events = try ObsctlRunner.events(run.lines)
        #expect(events.map { $0["kind"] as? String } == ["started", "exited", "profile"])
        #expect(events[1]["signal"] as? Int32 == signal)
        #expect(events[1]["exit_code"] as? Int32 == -signal)
        #expect(run.err.contains("obsctl: sleep: killed by \(name) (\(signal)) after "))
        #expect(run.err.contains("(obsctl received \(name), forwarded)"))
        // Reaped by obsctl: neither running nor a zombie.
        #expect(kill(sleepPID, 0) == -1 && errno == ESRCH)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(sleepPID)"))
    }

    @Test("SIGINT to obsctl mid-run is forwarded: summary printed, exit 130, no sleep left, no zombie")
    func sigint() throws { try interrupt(with: SIGINT, name: "SIGINT") }

    @Test("SIGTERM to obsctl mid-run is forwarded: exit 143, no sleep left")
    func sigterm() throws { try interrupt(with: SIGTERM, name: "SIGTERM") }

    @Test("hostile argv (newline, quotes, invalid UTF-8) gives valid JSON Lines that round-trip the exact bytes")
    func hostileArgv() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-argv-\(getpid())")
        defer { try? FileManager.default.removeItem(at: file) }
        let invalid: [UInt8] = [0x66, 0xFF, 0xFE, 0x0A, 0xC3, 0x28, 0x22, 0x5C]  // f, bad bytes, \n, bad pair, ", \
        let args: [[UInt8]] = [
            Array("sh".utf8), Array("-c".utf8), Array("printf '%s' \"$1\" > \"$2\"".utf8), Array("sh".utf8),
            invalid, Array(file.path.utf8), Array("line one\nline \"two\" 'three'\t\u{1}".utf8),
            Array("ünïcode ✓".utf8),
        ]
        let run = try ObsctlRunner.run(
            bytes: [
                Array("watch".utf8), Array("--json".utf8), Array("--interval".utf8), Array("0".utf8),
                Array("--categories".utf8), Array("lifecycle".utf8), Array("--".utf8),
            ] + args)
        #expect(run.exitCode == 0)
        #expect(run.lines.count == 4)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        let started = try #require(try ObsctlRunner.events(run.lines).first)
        #expect(started["kind"] as? String == "started")
        #expect(try ObsctlRunner.exactArgv(started) == args)
        // The lossy form is the documented U+FFFD decoding.
        let argv = try #require(started["argv"] as? [String])
        #expect(argv[4] == String(decoding: invalid, as: UTF8.self))
        #expect(argv[6] == "line one\nline \"two\" 'three'\t\u{1}")
        // And the command itself received the exact bytes.
        #expect(try [UInt8](Data(contentsOf: file)) == invalid)
    }

    @Test("argv that is valid UTF-8 has no argv_b64")
    func validArgvHasNoBase64() throws {
        let run = try ObsctlRunner.run(["watch", "--json", "--interval", "0", "--", "true", "a\nb", "\"q\""])
        let started = try #require(try ObsctlRunner.events(run.lines).first)
        #expect(started["argv"] as? [String] == ["true", "a\nb", "\"q\""])
        #expect(started["argv_b64"] == nil)
    }

    @Test("| head -1: obsctl ends quietly when its reader goes away, and the command still finishes")
    func headOne() throws {
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--", "seq", "1", "100000"].map { Array($0.utf8) })
        let first = try #require(obsctl.readStdoutLine(containing: "\"seq\":1,"))
        #expect(first.hasPrefix("{\"seq\":1,"))
        obsctl.closeStdout()
        let run = obsctl.finish()
        // seq writes to stderr in --json mode and cannot finish before we drain it, so the
        // closed pipe is met at the `exited` event: obsctl stops writing and reports seq's code.
        #expect(run.exitCode == 0)
        #expect(run.termSignal == nil)
        #expect(run.err.hasPrefix("1\n2\n3\n"))
        #expect(run.err.contains("100000\nobsctl: seq: exit code 0 after "))
        #expect(!run.err.contains("error"))
        #expect(!run.err.contains("Error"))
    }

    @Test("a reader gone before the first event: obsctl terminates the command quietly and exits 143")
    func readerGoneTerminates() throws {
        let obsctl = try ObsctlRunner.start(
            ["watch", "--json", "--interval", "0", "--", "sleep", "30"].map { Array($0.utf8) })
        obsctl.closeStdout()
        let run = obsctl.finish()
        #expect(run.exitCode == 128 + SIGTERM)
        #expect(run.err.hasPrefix("obsctl: sleep: killed by SIGTERM (15) after "))
        #expect(!run.err.contains("error"))
    }
}
