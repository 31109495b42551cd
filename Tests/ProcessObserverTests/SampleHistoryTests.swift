import Foundation
import Testing

@testable import ProcessObserver

/// `SampleHistory`: pruned by age and by size with exact outcomes, its spill read back as a
/// segmented recording, its peaks over everything recorded, and fed by a real run's sampler.
@Suite("A bounded sample history")
struct SampleHistoryTests {
    /// Sample `n` at `n` seconds after the fixtures' clock base: two processes, the second's RSS
    /// growing with `n`.
    static func sample(_ n: UInt64) -> ObserverEvent {
        let sample = PerfSample(
            processes: [
                .init(processID: 10, name: "supervisor", cpuPercent: 1, rssBytes: 4096),
                .init(processID: 11, name: "worker", cpuPercent: Double(n % 7) * 10, rssBytes: n << 20),
            ], processCount: 2, totalCPUPercent: 1 + Double(n % 7) * 10, totalRSSBytes: 4096 + (n << 20),
            totalDiskReadBytesPerSecond: nil, totalDiskWrittenBytesPerSecond: nil)
        let ts = RecordingFixtures.clock.monotonicNs + n * 1_000_000_000
        return ObserverEvent(
            seq: n, timestampNs: ts, wallClockNs: RecordingFixtures.clock.wallClock(forMonotonic: ts),
            category: .lifecycle, processID: 10, kind: .sample(sample))
    }

    static func lineBytes(_ event: ObserverEvent) -> Int { EventJSON.line(event).utf8.count }

    @Test("by age: what is older than the newest sample less the window is evicted, the rest kept in order")
    func byAge() throws {
        let history = try SampleHistory(limits: .init(retentionNs: 10_000_000_000, maxBytes: 1 << 20))
        for n in 1...30 { history.record(Self.sample(UInt64(n))) }
        history.record(RecordingFixtures.everyKind[6])  // not a sample: ignored
        #expect(history.samples().map(\.seq) == Array(20...30))
        #expect(history.count == 11)
        #expect(history.evicted == 19)
        #expect(history.latest?.seq == 30)
        let since = RecordingFixtures.clock.monotonicNs + 25 * 1_000_000_000
        #expect(history.samples(since: since).map(\.seq) == Array(25...30))
        #expect(history.samples(of: 11, since: since).map(\.process.rssBytes) == (25...30).map { UInt64($0) << 20 })
        #expect(history.samples(of: 99).isEmpty)
        #expect(history.bytes == (20...30).map { Self.lineBytes(Self.sample(UInt64($0))) }.reduce(0, +))
    }

    @Test("by size: the oldest go while the kept lines pass the cap; the newest is always kept")
    func bySize() throws {
        let sizes = (1...40).map { Self.lineBytes(Self.sample(UInt64($0))) }
        let cap = sizes[30..<40].reduce(0, +) + sizes[29] / 2  // ten newest fit, eleven do not
        let history = try SampleHistory(limits: .init(retentionNs: .max, maxBytes: cap))
        for n in 1...40 { history.record(Self.sample(UInt64(n))) }
        #expect(history.samples().map(\.seq) == Array(31...40))
        #expect(history.bytes == sizes[30..<40].reduce(0, +))
        #expect(history.bytes <= cap)
        let tiny = try SampleHistory(limits: .init(retentionNs: .max, maxBytes: 1))
        for n in 1...5 { tiny.record(Self.sample(UInt64(n))) }
        #expect(tiny.samples().map(\.seq) == [5])
    }

    @Test("peaks cover every sample recorded, evicted ones included")
    func peaks() throws {
        let history = try SampleHistory(limits: .init(retentionNs: 5_000_000_000, maxBytes: 1 << 20))
        for n in 1...20 { history.record(Self.sample(UInt64(n))) }
        let peaks = history.peaks
        #expect(peaks.totalCPUPercent == 61)  // n % 7 == 6 at n = 6, 13, 20
        #expect(peaks.totalRSSBytes == 4096 + (20 << 20))
        #expect(peaks.processes[11] == SampleHistory.ProcessPeak(name: "worker", cpuPercent: 60, rssBytes: 20 << 20))
        #expect(peaks.processes[10]?.rssBytes == 4096)
    }

    @Test("spill: evicted samples go to disk segments that RunRecording reads back, in order, whole")
    func spill() throws {
        let dir = SegmentedRecordingTests.directory("spill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let history = try SampleHistory(
            limits: .init(
                retentionNs: 10_000_000_000, maxBytes: 1 << 20,
                spill: .init(directory: dir, limits: .init(segmentBytes: 8 << 10, keepBytes: 1 << 20))))
        for n in 1...300 { history.record(Self.sample(UInt64(n))) }
        #expect(history.evicted == 289)
        history.closeSpill()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(names.count > 2, "several segments: \(names)")
        let recording = try RunRecording.open(dir)
        var seqs: [UInt64] = []
        while let event = try recording.next() {
            guard case .sample(let sample) = event.kind else {
                Issue.record("a \(event.kind.name) in the spill")
                continue
            }
            #expect(sample == { if case .sample(let s) = Self.sample(event.seq).kind { s } else { nil } }())
            #expect(event.timestampNs == Self.sample(event.seq).timestampNs)
            seqs.append(event.seq)
        }
        #expect(seqs == Array(1...289))
        #expect(recording.coverage.incompleteTailBytes == 0)
        #expect(recording.header?.writer == "ProcessObserver.SampleHistory")
    }

    @Test("fed by a real run's sampler: samples of the run, within the cap")
    func realRun() throws {
        let process = NativeProcess(
            .path("/bin/sh"), arguments: ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"],
            standardInput: .null, standardOutput: .null, standardError: .null)
        let events = process.withObserver(.lifecycle().sampling(every: .milliseconds(20)))
        let history = try SampleHistory(limits: .init(retentionNs: .max, maxBytes: 4096))
        let running = try process.spawn()
        var samples = 0
        while let event = events.recv() {
            if case .sample = event.kind { samples += 1 }
            history.record(event)
        }
        _ = running.wait()
        try #require(samples >= 2, "the run lasted long enough to be sampled")
        #expect(history.count >= 1)
        #expect(history.count + history.evicted == samples)
        #expect(history.bytes <= 4096 || history.count == 1)
        #expect(history.peaks.processes[running.processID] != nil)
        #expect(history.latest?.sample.processes.contains { $0.processID == running.processID } == true)
    }
}
