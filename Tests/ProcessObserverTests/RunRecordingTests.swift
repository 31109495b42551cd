import Foundation
import Testing

@testable import ProcessObserver

/// `RunRecording` against recordings the real writer made: every kind round-trips, a cut-short
/// file is read to its last complete line and says so, a newer minor schema is read, and damage
/// is refused with the line that holds it.
@Suite("Reading recordings")
struct RunRecordingTests {
    @Test("every kind written by EventJSON reads back to an event that EventJSON writes identically")
    func roundTrip() throws {
        let written = RecordingFixtures.bytes(RecordingFixtures.everyKind)
        let path = try RecordingFixtures.file(written)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, events) = try RecordingFixtures.read(path)
        #expect(recording.header == RecordingFixtures.header)
        #expect(events.count == RecordingFixtures.everyKind.count)
        for (original, read) in zip(RecordingFixtures.everyKind, events) {
            #expect(EventJSON.line(read) == EventJSON.line(original))
        }
        #expect(RecordingFixtures.bytes(header: recording.header, events) == written)
        #expect(recording.coverage.isTruncated == false)
        #expect(recording.coverage.lines == RecordingFixtures.everyKind.count + 1)
        #expect(recording.coverage.events == RecordingFixtures.everyKind.count)
        #expect(recording.coverage.skippedKinds.isEmpty)
        #expect(recording.coverage.truncationNote(from: nil) == nil)
    }

    @Test("the typed values come back exactly: exact bytes, flags, results, the profile's optional members")
    func typedValues() throws {
        let path = try RecordingFixtures.file(RecordingFixtures.bytes(RecordingFixtures.everyKind))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, events) = try RecordingFixtures.read(path)
        guard case .started(let started) = events[1].kind, case .exec(let exec) = events[4].kind,
            case .open(let open) = events[8].kind, case .profile(let profile) = events[27].kind,
            case .bind(let bind) = events[15].kind
        else {
            Issue.record("kinds out of place: \(events.map(\.kind.name))")
            return
        }
        #expect(started.argv == ["x", RecordingFixtures.hostile])
        #expect(started.path == RecordingFixtures.hostile)
        #expect(exec.path == CapturedString(RecordingFixtures.hostile, truncated: true))
        #expect(exec.argvTruncated)
        #expect(exec.result.errnoName == "ENOENT")
        #expect(open.flags == 0o20200002 | Int32(bitPattern: 0x8000_0000))
        #expect(open.mode == 0o600)
        #expect(profile == RecordingFixtures.profile(contained: true))
        #expect(bind.address == .unix(path: CapturedString(ByteString(bytes: [0, 0x61])), abstract: true))
        #expect(events[3].command == RecordingFixtures.hostile)
        #expect(events[2].cgroupID == 77)
        #expect(events[2].cgroupPath == "/obs.1.2/run.3")
        #expect(events.map(\.wallClockNs) == RecordingFixtures.everyKind.map(\.wallClockNs))
    }

    @Test(
        "a sample's cgroup totals come back exactly, with and without their optional counters, and none where none was")
    func cgroupTotals() throws {
        let path = try RecordingFixtures.file(RecordingFixtures.bytes(RecordingFixtures.everyKind))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, events) = try RecordingFixtures.read(path)
        let samples = zip(RecordingFixtures.everyKind, events).compactMap { pair -> (PerfSample, PerfSample)? in
            guard case .sample(let original) = pair.0.kind, case .sample(let read) = pair.1.kind else { return nil }
            return (original, read)
        }
        #expect(samples.count == 3)
        #expect(samples.map { $0.0.cgroup != nil } == [false, true, true])
        for (original, read) in samples { #expect(read == original) }
    }

    @Test("a recording cut inside a line is read to its last complete line, and says how much it covers")
    func truncated() throws {
        let whole = RecordingFixtures.bytes(RecordingFixtures.everyKind)
        // Cut in the middle of the 10th event's line (line 11 of the file).
        let lineStarts = [0] + whole.indices.filter { whole[$0] == 0x0A }.map { $0 + 1 }
        let cut = lineStarts[10] + 25
        let path = try RecordingFixtures.file(Array(whole[..<cut]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, events) = try RecordingFixtures.read(path)
        #expect(events.map(\.seq) == Array(1...9))
        let coverage = recording.coverage
        #expect(coverage.isTruncated)
        #expect(coverage.hasProfile == false)
        #expect(coverage.incompleteTailBytes == 25)
        #expect(coverage.lines == 10)
        #expect(coverage.lastSeq == 9)
        // Event 9 is 9 × 1.000123 ms after the clock base.
        #expect(coverage.coveredNanoseconds(from: RecordingFixtures.clock.monotonicNs) == 9_001_107)
        #expect(
            coverage.truncationNote(from: RecordingFixtures.clock.monotonicNs)
                == "the recording is truncated: its last line is incomplete (25 bytes ignored) and the run's "
                + "closing profile is missing; it covers the first 0.009s of the run (9 events, up to event 9)")
    }

    @Test("a recording cut at a line end has no incomplete line but still lacks its profile")
    func cutAtLineEnd() throws {
        let path = try RecordingFixtures.file(RecordingFixtures.bytes(Array(RecordingFixtures.everyKind.prefix(3))))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, events) = try RecordingFixtures.read(path)
        #expect(events.count == 3)
        #expect(recording.coverage.incompleteTailBytes == 0)
        #expect(recording.coverage.isTruncated)
    }

    @Test("a newer minor schema: unknown members are ignored, unknown kinds skipped and counted")
    func newerMinorSchema() throws {
        var header = RecordingFixtures.header
        header.schema = SchemaVersion(major: 1, minor: 7)
        var text = EventJSON.headerLine(header).replacingOccurrences(
            of: "\"attached\":false", with: "\"attached\":false,\"future_member\":{\"x\":[1,2]}")
        for event in RecordingFixtures.everyKind.prefix(4) {
            text += EventJSON.line(event).replacingOccurrences(of: "}\n", with: ",\"absolute_path\":\"/abs\"}\n")
        }
        text +=
            #"{"seq":5,"ts_ns":1,"time":"2023-11-14T22:13:20.000000000Z","category":"file","kind":"mmap","pid":1}"#
            + "\n"
        text +=
            #"{"seq":6,"ts_ns":1,"time":"2023-11-14T22:13:20.000000000Z","category":"gpu","kind":"exec","pid":1}"#
            + "\n"
        text +=
            #"{"seq":7,"ts_ns":1,"time":"2023-11-14T22:13:20.000000000Z","category":"file","kind":"mmap","pid":1}"#
            + "\n"
        text += EventJSON.line(RecordingFixtures.everyKind[27])
        let path = try RecordingFixtures.file(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, events) = try RecordingFixtures.read(path)
        #expect(recording.header?.schema == SchemaVersion(major: 1, minor: 7))
        #expect(events.map(\.seq) == [1, 2, 3, 4, 28])
        #expect(recording.coverage.skippedKinds == ["mmap": 2, "exec": 1])
        #expect(recording.coverage.isTruncated == false)
    }

    @Test("a recording without a header (before schema 1.0) still reads; header is nil")
    func noHeader() throws {
        let path = try RecordingFixtures.file(RecordingFixtures.bytes(header: nil, RecordingFixtures.everyKind))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, events) = try RecordingFixtures.read(path)
        #expect(recording.header == nil)
        #expect(events.count == RecordingFixtures.everyKind.count)
    }

    /// Recordings that are not readable, and the exact message each gives.
    static let refused: [(String, [UInt8], String)] = [
        ("empty", [], "it is empty"),
        ("no newline", Array("{\"seq\":1".utf8), "it holds no complete line (8 bytes, no newline)"),
        (
            "garbage", Array("\u{7F}ELF\u{2}\u{1}\n".utf8),
            "line 1 is not JSON (unexpected character 0x7f, at byte 1 of the line)"
        ),
        (
            "not an event", Array("{\"hello\":1}\n".utf8),
            "line 1 is not an event: its member \"kind\" is missing"
        ),
        (
            "damaged in the middle",
            RecordingFixtures.bytes(Array(RecordingFixtures.everyKind.prefix(2))) + Array("{\"seq\":3,\n".utf8)
                + RecordingFixtures.bytes(header: nil, [RecordingFixtures.everyKind[27]]),
            "line 4 is not JSON (expected a member name in quotes, at byte 10 of the line)"
        ),
        (
            "a known kind without its members",
            Array(
                (#"{"seq":1,"ts_ns":1,"time":"2023-11-14T22:13:20.000000000Z","category":"process","kind":"fork","pid":1}"#
                    + "\n").utf8),
            "line 1 is not an event: its member \"child_pid\" is missing"
        ),
        (
            "a newer major schema",
            Array(
                EventJSON.headerLine(
                    {
                        var h = RecordingFixtures.header
                        h.schema = SchemaVersion(major: 2, minor: 0)
                        return h
                    }()
                ).utf8),
            "it was written with schema 2.0 by obsctl 0.9.0, and this reader reads schema 1.x only"
        ),
    ]

    @Test("what is not a recording is refused with a message that names the line and the problem", arguments: refused)
    func refuses(name: String, bytes: [UInt8], reason: String) throws {
        let path = try RecordingFixtures.file(bytes, name: "refused")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ObserverError.self) { _ = try RecordingFixtures.read(path) }
        #expect(error.code == .invalidRecording)
        #expect(
            error.message
                == "Reading the recording \(path) failed: \(reason). Give a file written by obsctl watch --json (-o FILE)."
        )
    }

    @Test("a missing file and a directory are refused with the errno")
    func unreadable() throws {
        let missing = try #require(throws: ObserverError.self) { _ = try RunRecording.open("/nonexistent/run.jsonl") }
        #expect(missing.code == .recordingUnreadable)
        #expect(
            missing.message
                == "Reading the recording /nonexistent/run.jsonl failed: the file does not exist (open: ENOENT). "
                + "Check the path, or record one with obsctl watch --json -o FILE.")
        let directory = try #require(throws: ObserverError.self) { _ = try RunRecording.open("/tmp") }
        #expect(
            directory.message
                == "Reading the recording /tmp failed: it is a directory that holds no recording segments "
                + "(segment-*.jsonl, segment-*.jsonl.gz). Give a recording file, or a directory obsctl watch --record "
                + "wrote."
        )
    }

    @Test("a recording larger than the read buffer streams through it line by line")
    func largerThanBuffer() throws {
        let events = (1...20_000).map { seq in
            RecordingFixtures.event(
                UInt64(seq), .file,
                .open(
                    FileOpen(
                        path: CapturedString(ByteString("/usr/include/\(seq).h")), flags: 0, mode: nil,
                        result: SyscallResult(3))))
        }
        let bytes = RecordingFixtures.bytes(events)
        #expect(bytes.count > 4 * (256 << 10))
        let path = try RecordingFixtures.file(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, read) = try RecordingFixtures.read(path)
        #expect(read.map(\.seq) == Array(1...20_000))
        #expect(recording.coverage.lines == 20_001)
    }
}
