import Foundation
import SystemPackage
import Testing

@testable import ProcessObserver

/// `SegmentedRecordingWriter` and `RunRecording` over a directory, on real files: the limits
/// hold, retention says what it removed and the counts add up, a segment cut short is read to its
/// last complete line, a full disk (a real tmpfs) removes old segments first and then drops and
/// counts, and a window keeps exactly the events inside it.
@Suite("Segmented recordings", .serialized)
struct SegmentedRecordingTests {
    /// A fresh directory under the temporary directory (not made: the writer makes it).
    static func directory(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "obs-seg-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        ).path
    }

    /// An open event whose path is `bytes` random letters, so that gzip cannot shrink it much.
    static func openEvent(_ seq: UInt64, pathBytes: Int = 120) -> ObserverEvent {
        var path = "/data/"
        for _ in 0..<pathBytes { path.append(Character(Unicode.Scalar(UInt8.random(in: 97...122)))) }
        return RecordingFixtures.event(
            seq, .file,
            .open(FileOpen(path: CapturedString(ByteString(path)), flags: 0, mode: nil, result: SyscallResult(3))))
    }

    static func names(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    static func bytesOnDisk(_ directory: String) throws -> UInt64 {
        try names(directory).reduce(0) { total, name in
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            return total + ((attributes[.size] as? NSNumber)?.uint64Value ?? 0)
        }
    }

    @Test(
        "names: sequence and time in, the same out; they sort in sequence order; other names are not segments",
        arguments: [
            ("segment-00000001-20261207T194400Z.jsonl", 1, "2026-12-07T19:44:00Z", false),
            ("segment-00000042-20261207T194401Z.jsonl.gz", 42, "2026-12-07T19:44:01Z", true),
            ("segment-123456789-20261231T235959Z.jsonl", 123_456_789, "2026-12-31T23:59:59Z", false),
        ])
    func names(name: String, sequence: Int, time: String, compressed: Bool) throws {
        let parsed = try #require(SegmentName(fileName: name))
        #expect(parsed.sequence == sequence)
        #expect(parsed.openedWallNs == RFC3339.parse(time))
        #expect(parsed.compressed == compressed)
        #expect(parsed.fileName == name)
    }

    @Test("names that are not segments: a compression under way, another file, a bad sequence or time")
    func notSegments() {
        for name in [
            "segment-00000001-20261207T194400Z.jsonl.gz.tmp", "notes.txt", "segment-0001-20261207T194400Z.jsonl",
            "segment-00000000-20261207T194400Z.jsonl", "segment-00000001-20261307T194400Z.jsonl",
            "segment-00000001-20261207T194400.jsonl",
        ] {
            #expect(SegmentName(fileName: name) == nil, "\(name)")
        }
        let sorted = [9, 10, 100, 2].map { SegmentName(sequence: $0, openedWallNs: 0).fileName }.sorted()
        #expect(sorted.map { SegmentName(fileName: $0)!.sequence } == [2, 9, 10, 100])
    }

    @Test(
        "a writer's segments stay within the limits, each opens with a header of the run, and what retention removed plus what is kept is every event"
    )
    func limitsAndRetention() throws {
        let dir = Self.directory("limits")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let limits = SegmentedRecordingWriter.Limits(segmentBytes: 64 << 10, keepBytes: 256 << 10)
        let writer = try SegmentedRecordingWriter(directory: dir, header: RecordingFixtures.header, limits: limits)
        let total = 6000
        for seq in 1...total {
            writer.append(Self.openEvent(UInt64(seq)))
            if seq % 500 == 0 { writer.flush() }
        }
        writer.close()

        let names = try Self.names(dir)
        #expect(names.allSatisfy { $0.hasSuffix(".jsonl.gz") }, "every closed segment is compressed: \(names)")
        #expect(try Self.bytesOnDisk(dir) <= UInt64(limits.keepBytes))
        let sequences = names.compactMap { SegmentName(fileName: $0)?.sequence }
        #expect(sequences.count == names.count)
        #expect(sequences == Array(sequences[0]...sequences.last!), "the kept segments are consecutive")

        let recording = try RunRecording.open(dir)
        var read: [ObserverEvent] = []
        while let event = try recording.next() { read.append(event) }
        let removed = try #require(recording.coverage.segments?.removed)
        #expect(removed.segments == sequences[0] - 1)
        #expect(removed.firstSequence == 1)
        #expect(removed.lastSequence == sequences[0] - 1)
        #expect(removed.events == [.file: removed.lastSeq.map(Int.init) ?? 0])
        #expect(removed.firstSeq == 1)
        #expect(read.first?.seq == (removed.lastSeq ?? 0) + 1)
        #expect(read.map(\.seq) == Array((read.first!.seq)...UInt64(total)), "every kept event, in order")
        #expect(removed.eventCount + read.count == total)
        #expect(recording.coverage.segments?.sequences == sequences)
        #expect(recording.coverage.segments?.missing == [])
        #expect(recording.header?.segment?.run == writer.run)
        #expect(recording.header?.argv == RecordingFixtures.header.argv)
        #expect(recording.coverage.isPartial)
        #expect(recording.coverage.incompleteTailBytes == 0)
        // Each segment, read on its own, is a complete recording that says which it is.
        for (name, sequence) in zip(names, sequences) {
            let one = try RunRecording.open(dir + "/" + name)
            #expect(one.header?.segment?.sequence == sequence)
            #expect(one.header?.segment?.run == writer.run)
            #expect((one.header?.retention?.segments ?? 0) <= removed.segments)
            while try one.next() != nil {}
            #expect(one.coverage.incompleteTailBytes == 0)
        }
    }

    @Test(
        "--keep-age: at each rotation the closed segments whose last event is older are removed, and the headers say so"
    )
    func keepAge() throws {
        let dir = Self.directory("age")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The fixtures' events are from one second after boot: older than a one-second age by far.
        let writer = try SegmentedRecordingWriter(
            directory: dir, header: RecordingFixtures.header,
            limits: .init(segmentBytes: 16 << 10, keepBytes: 64 << 20, keepAgeNs: 1_000_000_000))
        for seq in 1...500 { writer.append(Self.openEvent(UInt64(seq))) }
        writer.close()
        let sequences = try Self.names(dir).compactMap { SegmentName(fileName: $0)?.sequence }
        let last = try #require(sequences.last)
        #expect(last >= 4)
        #expect(sequences == [last - 1, last], "each rotation removed every older closed segment")
        let recording = try RunRecording.open(dir)
        var read = 0
        while try recording.next() != nil { read += 1 }
        let removed = try #require(recording.coverage.segments?.removed)
        #expect(removed.segments == last - 2)
        #expect(removed.lastSequence == last - 2)
        #expect(removed.eventCount + read == 500)
    }

    @Test("a segment cut short, raw or compressed, is read to its last complete line and the next one after it")
    func cutShort() throws {
        let dir = Self.directory("cut")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let limits = SegmentedRecordingWriter.Limits(segmentBytes: 16 << 10, keepBytes: 1 << 20)
        let writer = try SegmentedRecordingWriter(directory: dir, header: RecordingFixtures.header, limits: limits)
        for seq in 1...600 { writer.append(Self.openEvent(UInt64(seq))) }
        writer.close()
        var names = try Self.names(dir)
        #expect(names.count >= 4)
        // Cut the second (compressed) segment inside its stream, and the last in a line.
        let second = dir + "/" + names[1]
        let gz = try Data(contentsOf: URL(fileURLWithPath: second))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: second))
        let last = dir + "/" + names.last!
        let raw = dir + "/" + names.last!.replacingOccurrences(of: ".jsonl.gz", with: ".jsonl")
        let decompressed = try #require(try Self.gunzip(last))
        try (decompressed + Data("{\"seq\":99999,\"ts_n".utf8)).write(to: URL(fileURLWithPath: raw))
        try FileManager.default.removeItem(atPath: last)
        names = try Self.names(dir)

        let recording = try RunRecording.open(dir)
        var read: [UInt64] = []
        while let event = try recording.next() { read.append(event.seq) }
        #expect(recording.coverage.incompleteTailBytes > 17, "the cut line of each, ignored")
        #expect(recording.coverage.isTruncated)
        #expect(read.last == 600, "the last segment is read to its last complete line")
        #expect(read == read.sorted())
        #expect(read.count < 600, "the cut gzip stream lost its second half")
        #expect(recording.coverage.segments?.sequences.count == names.count)
    }

    static func gunzip(_ path: String) throws -> Data? {
        let result = try NativeProcess(
            .name("gzip"), arguments: ["-dc", ByteString(path)], standardInput: .null,
            standardOutput: .capture(maxBytes: 64 << 20), standardError: .capture(maxBytes: 1 << 20)
        ).run()
        return result.standardOutput.map { Data($0) }
    }

    @Test(
        "a recording still being written: a segment compressed after the listing is read as its .gz, one removed is skipped"
    )
    func liveDirectory() throws {
        let dir = Self.directory("live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SegmentedRecordingWriter(
            directory: dir, header: RecordingFixtures.header,
            limits: .init(segmentBytes: 8 << 10, keepBytes: 1 << 20, compressionLevel: nil))
        for seq in 1...200 { writer.append(Self.openEvent(UInt64(seq), pathBytes: 40)) }
        writer.close()
        let names = try Self.names(dir)
        try #require(names.count >= 4)
        let third = try RunRecording.open(dir + "/" + names[2])
        var removedSeqs: [UInt64] = []
        while let event = try third.next() { removedSeqs.append(event.seq) }

        let recording = try RunRecording.open(dir)
        let first = try #require(try recording.next())
        // After the listing: the second segment is compressed (gzip removes the raw file), the
        // third removed, as the writer's threads do.
        let gzip = try NativeProcess(
            .name("gzip"), arguments: [ByteString(dir + "/" + names[1])], standardInput: .null,
            standardOutput: .null, standardError: .null
        ).run()
        #expect(gzip.status == .exited(code: 0))
        try FileManager.default.removeItem(atPath: dir + "/" + names[2])
        var seqs = [first.seq]
        while let event = try recording.next() { seqs.append(event.seq) }
        #expect(seqs == Array(1...200).filter { !removedSeqs.contains($0) })
        #expect(!removedSeqs.isEmpty)
    }

    @Test("--since/--until: a window keeps exactly the events whose time lies in it, and counts the rest")
    func window() throws {
        let dir = Self.directory("window")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SegmentedRecordingWriter(
            directory: dir, header: RecordingFixtures.header,
            limits: .init(segmentBytes: 8 << 10, keepBytes: 1 << 20))
        var events: [ObserverEvent] = []
        for seq in 1...200 { events.append(Self.openEvent(UInt64(seq), pathBytes: 40)) }
        for event in events { writer.append(event) }
        writer.close()
        let since = events[49].wallClockNs
        let until = events[149].wallClockNs
        let recording = try RunRecording.open(dir, since: since, until: until)
        var read: [UInt64] = []
        while let event = try recording.next() { read.append(event.seq) }
        #expect(read == Array(50...150))
        #expect(recording.coverage.beforeWindow == 49)
        #expect(recording.coverage.afterWindow == 50)
        #expect(recording.coverage.window == RecordingCoverage.Window(since: since, until: until))
        #expect(recording.coverage.isTruncated == false, "the window, not a cut, left the end out")
        #expect(recording.coverage.partialNote(clock: RecordingFixtures.clock)?.contains("49 events before") == true)
    }

    /// Runs a helper program (mount, umount) to completion; its exit status.
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> ProcessObserver.ExitStatus {
        try NativeProcess(
            .path(FilePath(path)), arguments: arguments.map { ByteString($0) }, standardInput: .null,
            standardOutput: .capture(maxBytes: 1 << 16), standardError: .capture(maxBytes: 1 << 16)
        ).run().status
    }

    @Test(
        "a full disk (a 1 MiB tmpfs): old segments make room first, then events are dropped and counted, and a lost event of source writer follows once there is room again"
    )
    func fullDisk() throws {
        let mountPoint = Self.directory("tmpfs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        try #require(
            try Self.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "obs-seg-test", mountPoint])
                == .exited(code: 0))
        defer {
            try? Self.run("/usr/bin/umount", [mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let dir = mountPoint + "/rec"
        let writer = try SegmentedRecordingWriter(
            directory: dir, header: RecordingFixtures.header,
            limits: .init(segmentBytes: 128 << 10, keepBytes: 64 << 20, compressionLevel: nil))
        var seq: UInt64 = 0
        func append(_ count: Int) {
            for _ in 0..<count {
                seq += 1
                writer.append(Self.openEvent(seq))
                if seq % 50 == 0 { writer.flush() }
            }
            writer.flush()
        }
        // Past the disk's size: the oldest segments make room, nothing is dropped.
        while writer.retention.segments < 3, seq < 100_000 { append(100) }
        #expect(writer.droppedEvents == 0)
        #expect(writer.failure == nil)

        // A file takes the rest of the disk: every closed segment goes, then events are dropped.
        let filler = mountPoint + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let chunk = Data(count: 4 << 10)
        // The file takes whatever room the writer makes, until the writer has none left to make.
        var rounds = 0
        while writer.droppedEvents < 500, rounds < 1000 {
            while (try? handle.write(contentsOf: chunk)) != nil {}
            append(100)
            rounds += 1
        }
        try handle.close()
        try #require(writer.droppedEvents >= 500, "the writer never ran out of room")
        #expect(writer.failure == .noSpace)
        let onDisk = try Self.names(dir).compactMap { SegmentName(fileName: $0) }
        #expect(onDisk.count == 1, "only the open segment is left: \(onDisk)")

        // Room again: the lost event is written first, then the events after it.
        try FileManager.default.removeItem(atPath: filler)
        let dropped = writer.droppedEvents
        append(100)
        #expect(writer.droppedEvents == dropped)
        writer.close()

        let recording = try RunRecording.open(dir)
        var kept = 0
        var lost: [(seq: UInt64, count: UInt64)] = []
        var seqs: [UInt64] = []
        while let event = try recording.next() {
            seqs.append(event.seq)
            if case .lost(let l) = event.kind {
                #expect(l.source == .writer)
                lost.append((event.seq, l.count))
            } else {
                kept += 1
            }
        }
        #expect(!lost.isEmpty)
        #expect(lost.map(\.count).reduce(0, +) == dropped, "each stretch of drops is one lost event, and they add up")
        #expect(seqs == seqs.sorted(), "the lost event stands where the dropped ones were")
        let removed = try #require(recording.coverage.segments?.removed)
        #expect(kept + removed.eventCount + Int(dropped) == Int(seq))
        #expect(recording.coverage.incompleteTailBytes == 0, "no line was left cut by the full disk")
        #expect(recording.coverage.segments?.missing == [])
    }

    @Test("a directory already holding a recording is refused; one with no segments cannot be read")
    func refusals() throws {
        let dir = Self.directory("refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try SegmentedRecordingWriter(
            directory: dir, header: RecordingFixtures.header, limits: .init(segmentBytes: 8 << 10, keepBytes: 1 << 20))
        writer.close()
        #expect(throws: ObserverError.self) {
            try SegmentedRecordingWriter(
                directory: dir, header: RecordingFixtures.header,
                limits: .init(segmentBytes: 8 << 10, keepBytes: 1 << 20))
        }
        let empty = Self.directory("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        do {
            _ = try RunRecording.open(empty)
            Issue.record("an empty directory was read")
        } catch {
            #expect(error.code == .recordingUnreadable)
            #expect(error.message.contains("holds no recording segments"))
        }
    }
}
