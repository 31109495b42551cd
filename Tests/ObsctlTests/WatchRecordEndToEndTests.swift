import Foundation
import ObserverTestSupport
import ProcessObserver
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl watch --record DIR` through the real binary on the real kernel: a flood within the
/// segment and keep limits, counts that add up with what retention removed, a recording
/// directory on a tmpfs that fills (the command unaffected), a SIGKILL mid-write, and
/// `report`/`export` windows.
@Suite("obsctl watch --record: segmented recordings, end to end", .serialized)
struct WatchRecordEndToEndTests {
    /// obsbench's event flood, compiled once: `openflood PATH COUNT` opens PATH COUNT times.
    static let openflood: String = {
        let source = ObsctlRunner.repositoryRoot.appendingPathComponent("Sources/obsbench/Workloads/openflood.c").path
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("obs-openflood-\(getpid())").path
        _ = try? NativeProcess(
            .name("cc"), arguments: ["-O2", "-o", ByteString(binary), ByteString(source)], standardInput: .null,
            standardOutput: .null, standardError: .null
        ).run()
        return binary
    }()

    /// A steady flood: `steadyflood PATH RATE` opens PATH RATE times a second, in a batch every
    /// 10 ms on an absolute clock, until killed: a rate obsctl keeps up with, so its subscriber
    /// buffer stays near empty and its memory shows only what recording holds.
    static let steadyflood: String = {
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("obs-steadyflood-\(getpid()).c")
        let binary = source.deletingPathExtension().path
        try? Data(
            """
            #define _GNU_SOURCE
            #include <fcntl.h>
            #include <stdlib.h>
            #include <time.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                long perTick = atol(argv[2]) / 100;
                struct timespec next;
                clock_gettime(CLOCK_MONOTONIC, &next);
                for (;;) {
                    for (long i = 0; i < perTick; i++) close(open(argv[1], O_RDONLY | O_CLOEXEC));
                    next.tv_nsec += 10000000;
                    if (next.tv_nsec >= 1000000000) { next.tv_nsec -= 1000000000; next.tv_sec++; }
                    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, 0);
                }
            }
            """.utf8
        ).write(to: source)
        _ = try? NativeProcess(
            .name("cc"), arguments: ["-O2", "-o", ByteString(binary), ByteString(source.path)], standardInput: .null,
            standardOutput: .null, standardError: .null
        ).run()
        return binary
    }()

    static func directory(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "obsctl-record-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        ).path
    }

    /// The segment files of `dir` and their sizes, by name.
    static func segments(_ dir: String) throws -> [(name: String, bytes: Int)] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted().compactMap { name in
            // A segment removed (or compressed) between the listing and here is left out.
            guard SegmentName(fileName: name) != nil,
                let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + name))?[.size] as? NSNumber
            else { return nil }
            return (name, size.intValue)
        }
    }

    /// The summary's events by category: `  file       162359 events: open 162359`.
    static func summaryCounts(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 3, words[2].hasPrefix("events:"), let n = Int(words[1]) else { continue }
            counts[String(words[0])] = n
        }
        return counts
    }

    /// Every event of the recording in `dir`, by category, and the reader.
    static func read(_ dir: String) throws -> (RunRecording, [String: Int], [ObserverEvent]) {
        let recording = try RunRecording.open(dir)
        var counts: [String: Int] = [:]
        var events: [ObserverEvent] = []
        while let event = try recording.next() {
            counts[event.category.rawValue, default: 0] += 1
            if events.count < 200_000 { events.append(event) }
        }
        return (recording, counts, events)
    }

    @Test(
        "a flood with 1 MiB segments and a 5 MiB keep size: within the limits, the report covers the kept range and names what was removed, and the counts add up",
        .requiresEBPF)
    func flood() throws {
        let dir = Self.directory("flood")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try ObsctlRunner.run([
            "watch", "--record", dir, "--segment-size", "1M", "--keep-size", "5M", "--no-compress", "-o", "/dev/null",
            "--interval", "0.2", "--", Self.openflood, "/etc/hostname", "60000",
        ])
        #expect(run.exitCode == 0, "\(run.err)")
        let segments = try Self.segments(dir)
        #expect(segments.count <= 5)
        #expect(segments.allSatisfy { $0.bytes <= 1 << 20 }, "\(segments)")
        #expect(segments.map(\.bytes).reduce(0, +) <= 5 << 20)

        let (recording, kept, _) = try Self.read(dir)
        let removed = try #require(recording.coverage.segments?.removed, "a 5 MiB keep size held the whole flood")
        #expect(removed.firstSequence == 1)
        #expect(removed.lastSequence == (recording.coverage.segments?.sequences.first ?? 0) - 1)
        let summary = Self.summaryCounts(run.out)
        #expect(summary["file"] ?? 0 >= 10000, "\(run.out)")
        for category in EventCategory.allCases {
            #expect(
                (kept[category.rawValue] ?? 0) + (removed.events[category] ?? 0) == summary[category.rawValue] ?? 0,
                "\(category): kept \(kept[category.rawValue] ?? 0) + removed \(removed.events[category] ?? 0)")
        }
        #expect(recording.coverage.hasProfile)
        #expect(recording.coverage.incompleteTailBytes == 0)

        let report = try ObsctlRunner.run(["report", dir])
        #expect(report.exitCode == 0)
        let covers = try #require(report.lines.first { $0.hasPrefix("  covers") })
        #expect(covers.contains("retention removed segments 1–\(removed.lastSequence)"))
        #expect(covers.contains("with \(removed.eventCount) events"))
        #expect(report.out.contains("(in the covered range only)"))
        let json = try ObsctlRunner.run(["report", "--json", dir])
        #expect(try ObsctlRunner.reportSchemaErrors(json.stdout) == "")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let recordingJSON = try #require(document["recording"] as? [String: Any])
        #expect(recordingJSON["partial"] as? Bool == true)
        let removedJSON = try #require((recordingJSON["segments"] as? [String: Any])?["removed"] as? [String: Any])
        #expect(removedJSON["events"] as? Int == removed.eventCount)
        // Each segment is a recording of its own, valid against the schema (the last one's header
        // with its retention account).
        for segment in [segments[0], segments[segments.count - 1]] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + segment.name))
            #expect(try ObsctlRunner.schemaErrors(Array(bytes)) == "")
        }
    }

    @Test(
        "compressed by default: every closed segment is gzip, and reading them back gives every event the summary counted",
        .requiresEBPF)
    func compressed() throws {
        let dir = Self.directory("gzip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try ObsctlRunner.run([
            "watch", "--record", dir, "--segment-size", "128K", "--keep-size", "64M", "-o", "/dev/null", "--",
            Self.openflood,
            "/etc/hostname", "8000",
        ])
        #expect(run.exitCode == 0)
        let segments = try Self.segments(dir)
        #expect(segments.count >= 3)
        #expect(segments.allSatisfy { $0.name.hasSuffix(".jsonl.gz") }, "\(segments.map(\.name))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == segments.count, "no .tmp left")
        let (recording, kept, _) = try Self.read(dir)
        #expect(recording.coverage.segments?.removed == nil)
        #expect(recording.coverage.isPartial == false)
        let summary = Self.summaryCounts(run.out)
        #expect(kept == summary)
    }

    @Test(
        "a recording directory on a tmpfs that fills: events dropped and counted, said once, the command unaffected and its exit code passed through",
        .requiresEBPF)
    func fullDisk() throws {
        let mountPoint = Self.directory("tmpfs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let mounted = try NativeProcess(
            .path("/usr/bin/mount"),
            arguments: ["-t", "tmpfs", "-o", "size=512k", "obsctl-test", ByteString(mountPoint)],
            standardInput: .null, standardOutput: .null, standardError: .null
        ).run()
        try #require(mounted.status == .exited(code: 0))
        defer {
            _ = try? NativeProcess(
                .path("/usr/bin/umount"), arguments: [ByteString(mountPoint)], standardInput: .null,
                standardOutput: .null, standardError: .null
            ).run()
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let dir = mountPoint + "/rec"
        let run = try ObsctlRunner.run([
            "watch", "--record", dir, "--segment-size", "4M", "--keep-size", "8M", "-o", "/dev/null", "--", "sh", "-c",
            "\(Self.openflood) /etc/hostname 20000; echo done > /dev/null; exit 3",
        ])
        #expect(run.exitCode == 3)
        let warnings = run.err.components(separatedBy: "no old segment is left to remove").count - 1
        #expect(warnings == 1, "\(run.err)")
        let lostLine = try #require(run.lines.first { $0.hasPrefix("  lost") })
        let writer = try #require(
            lostLine.split(separator: "writer ").last.flatMap { Int($0.prefix { $0.isNumber }) }, "\(lostLine)")
        #expect(writer > 0)
        #expect(run.out.contains("exit code 3"))
        // What was written is whole: read to the last complete line, no line cut by the full disk,
        // and valid against the schema (a lost event of source writer included).
        for segment in try Self.segments(dir) where segment.name.hasSuffix(".jsonl") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + segment.name))
            #expect(try ObsctlRunner.schemaErrors(Array(bytes)) == "")
        }
        let (recording, kept, events) = try Self.read(dir)
        #expect(recording.coverage.incompleteTailBytes == 0)
        let summary = Self.summaryCounts(run.out)
        let total = summary.values.reduce(0, +)
        // The writer's own lost events (written when a cut line's room was given back) are no
        // event of the run's.
        let writerLost = events.compactMap { event -> UInt64? in
            if case .lost(let lost) = event.kind, lost.source == .writer { return lost.count }
            return nil
        }
        #expect(writerLost.reduce(0, +) <= UInt64(writer))
        let read = kept.values.reduce(0, +) - writerLost.count
        // The profile carries the count; when the disk is still full, the profile itself is dropped too.
        #expect(read + writer + (recording.coverage.hasProfile ? 0 : 1) == total, "\(kept) \(summary)")
    }

    @Test(
        "obsctl killed with SIGKILL mid-write: every segment reads to its last complete line, in order",
        .requiresEBPF)
    func killed() throws {
        let dir = Self.directory("killed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let obsctl = try ObsctlRunner.start(
            [
                "watch", "--record", dir, "--segment-size", "64K", "--keep-size", "64M", "-o", "/dev/null", "--",
                Self.openflood, "/etc/hostname", "100000000",
            ].map { Array($0.utf8) })
        // Wait (bounded) for a few segments: the directory's state, not a time.
        let deadline = Date().addingTimeInterval(60)
        while (try? Self.segments(dir).count) ?? 0 < 4, Date() < deadline { usleep(10_000) }
        kill(obsctl.pid, SIGKILL)
        let outcome = obsctl.finish()
        #expect(outcome.termSignal == SIGKILL)
        let segments = try Self.segments(dir)
        #expect(segments.count >= 4)
        let recording = try RunRecording.open(dir)
        var last: UInt64 = 0
        var count = 0
        while let event = try recording.next() {
            #expect(event.seq > last)
            last = event.seq
            count += 1
        }
        #expect(count > 100)
        #expect(recording.coverage.isTruncated)
        #expect(recording.coverage.hasProfile == false)
        // The kill may land just after the newest segment was created and before its header line
        // was whole: that segment holds no line to read (closed segments always do).
        let newest = try #require(segments.last)
        let newestBytes = FileManager.default.contents(atPath: dir + "/" + newest.name) ?? Data()
        let newestHasLine = newest.name.hasSuffix(".gz") || newestBytes.contains(UInt8(ascii: "\n"))
        #expect(recording.coverage.segments?.sequences.count == segments.count - (newestHasLine ? 0 : 1))
        let report = try ObsctlRunner.run(["report", dir])
        #expect(report.exitCode == 0)
        #expect(report.err.contains("the recording is truncated"))
    }

    /// obsctl's resident set (`VmRSS` of `/proc/<pid>/status`), in bytes.
    static func residentBytes(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kib * 1024
    }

    /// Waits (bounded) until the directory holds a segment of sequence `sequence` or later.
    static func waitForSegment(_ dir: String, _ sequence: Int) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let last = ((try? Self.segments(dir)) ?? []).compactMap { SegmentName(fileName: $0.name)?.sequence }.max()
            if (last ?? 0) >= sequence { return true }
            usleep(20_000)
        }
        return false
    }

    @Test(
        "obsctl's memory stays flat under a steady event rate (an hour scaled down to 200 segments): rotation, compression and retention hold nothing",
        .requiresEBPF)
    func flatMemory() throws {
        let dir = Self.directory("rss")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let obsctl = try ObsctlRunner.start(
            [
                "watch", "--record", dir, "--segment-size", "16K", "--keep-size", "256K", "-o", "/dev/null",
                "--interval", "0.1", "--", Self.steadyflood, "/etc/hostname", "1000",
            ].map { Array($0.utf8) })
        defer {
            kill(obsctl.pid, SIGKILL)
            _ = obsctl.finish()
        }
        // Past the start: buffers full, segments removed by retention at every rotation.
        try #require(Self.waitForSegment(dir, 40))
        let warm = try #require(Self.residentBytes(obsctl.pid))
        try #require(Self.waitForSegment(dir, 240))
        let later = try #require(Self.residentBytes(obsctl.pid))
        #expect(later - warm < 2 << 20, "obsctl grew from \(warm) to \(later) bytes over 200 segments")
        #expect(try Self.segments(dir).map(\.bytes).reduce(0, +) <= 256 << 10)
    }

    @Test(
        "report and export --since/--until keep exactly the events of the window, and say what it left out",
        .requiresEBPF)
    func window() throws {
        let dir = Self.directory("window")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try ObsctlRunner.run([
            "watch", "--record", dir, "--segment-size", "64K", "--keep-size", "64M", "-o", "/dev/null", "--",
            Self.openflood,
            "/etc/hostname", "3000",
        ])
        #expect(run.exitCode == 0)
        let (_, _, events) = try Self.read(dir)
        try #require(events.count > 2000)
        let since = events[500].wallClockNs
        let until = events[1500].wallClockNs
        let inside = events.filter { $0.wallClockNs >= since && $0.wallClockNs <= until }.count
        let before = events.filter { $0.wallClockNs < since }.count
        let after = events.count - inside - before
        let sinceText = RFC3339.format(epochNanoseconds: since)
        // The same instant with an offset.
        let untilText = RFC3339.format(epochNanoseconds: until + 3_600_000_000_000).dropLast() + "+01:00"
        let json = try ObsctlRunner.run(["report", "--json", "--since", sinceText, "--until", String(untilText), dir])
        #expect(json.exitCode == 0, "\(json.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let kinds = try #require((document["run"] as? [String: Any])?["events_by_kind"] as? [String: Int])
        #expect(kinds.values.reduce(0, +) == inside)
        let window = try #require((document["recording"] as? [String: Any])?["window"] as? [String: Any])
        #expect(window["events_before"] as? Int == before)
        #expect(window["events_after"] as? Int == after)
        #expect(window["since"] as? String == sinceText)
        #expect(try ObsctlRunner.reportSchemaErrors(json.stdout) == "")

        let trace = Self.directory("trace") + ".perfetto"
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let export = try ObsctlRunner.run([
            "export", "--format", "perfetto", "--since", sinceText, "--until", String(untilText), dir, "-o", trace,
        ])
        #expect(export.exitCode == 0, "\(export.err)")
        #expect(export.err.contains("the window left out \(before) events before it and \(after) after it"))

        let bad = try ObsctlRunner.run(["report", "--since", "yesterday", dir])
        #expect(bad.exitCode == 64)
        #expect(bad.err.contains("--since must be an RFC 3339 time"))
    }

    @Test("a --record directory that already holds a recording is refused before the command starts (exit 125)")
    func refused() throws {
        let dir = Self.directory("used")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try ObsctlRunner.run(["watch", "--record", dir, "--interval", "0", "--", "true"])
        #expect(first.exitCode == 0)
        let marker = dir + "-ran"
        let second = try ObsctlRunner.run(["watch", "--record", dir, "--", "sh", "-c", "touch \(marker)"])
        #expect(second.exitCode == 125)
        #expect(second.err.contains("the directory already holds a recording's segments"))
        #expect(!FileManager.default.fileExists(atPath: marker), "the command did not start")
        let usage = try ObsctlRunner.run([
            "watch", "--record", dir, "--segment-size", "1M", "--keep-size", "1M", "--", "true",
        ])
        #expect(usage.exitCode == 64)
        #expect(usage.err.contains("must be at least twice --segment-size"))
    }
}
