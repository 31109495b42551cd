import ArgumentParser
@_spi(Benchmarks) import ProcessObserver

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `obsbench userspace`: the user-space hot path alone, in this process, with no kernel and no
/// obsctl (issue 23): decoded events formatted to JSON bytes, and raw ring-buffer records decoded
/// to events, each on one core, per kind and for a mix.
///
/// The whole path under a flood (obsctl's own CPU per event) is `obsbench compare --only usercost`.
struct UserSpaceBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "userspace",
        abstract: "The JSON formatter and the record decoder alone: events/s on one core, per kind and mixed.",
        discussion: """
            Each round formats (or decodes) EVENTS events of each row in turn, into one reused \
            64 KiB buffer emptied whenever it fills (as obsctl's output buffer is); one warm-up \
            round is discarded. Figures are medians over rounds of events per CPU second of this \
            thread (CLOCK_THREAD_CPUTIME_ID), so other work on the machine slows the run but not \
            the figure (much: caches are shared).
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Events per row per round.")
    var events = 1_000_000

    @Flag(help: "Time the formatter only (for a profiler).")
    var formatterOnly = false

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
    }

    func run() throws {
        var tables = MachineDescription.current().tables()
        tables += measure()
        print(tables.map { $0.render(markdown: common.markdown) }.joined(separator: "\n"))
    }

    func measure() -> [ResultTable] {
        let samples = HotPathSamples()
        common.progress("userspace: \(common.rounds) rounds of \(events) events per row (formatter, then decoder)")
        return formatterOnly ? [formatter(samples)] : [formatter(samples), decoder(samples)]
    }

    /// One row's timing: events/s over the rounds and the bytes one event made.
    private struct Row {
        var rates: [Double] = []
        var bytesPerEvent = 0.0
    }

    private func formatter(_ samples: HotPathSamples) -> ResultTable {
        var table = ResultTable(
            title: "JSON formatter alone: decoded events → JSON Lines bytes, one core",
            columns: [
                ("events", .left), ("median events/s", .right), ("min–max events/s", .right),
                ("ns/event", .right), ("bytes/event", .right), ("target", .right),
            ])
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.bufferBytes + 4096)
        var rows = [Row](repeating: Row(), count: samples.rows.count)
        for round in 0...common.rounds {
            for (index, row) in samples.rows.enumerated() {
                let events = row.events
                var written = 0
                let start = CPUTime.thisThreadNs()
                var e = 0
                for n in 0..<self.events {
                    var event = events[e]
                    event.seq = UInt64(n + 1)
                    event.timestampNs &+= UInt64(n) &* 1000
                    event.wallClockNs &+= Int64(n) &* 1000
                    EventJSON.append(event, to: &buffer)
                    if buffer.count >= Self.bufferBytes {
                        written += buffer.count
                        buffer.removeAll(keepingCapacity: true)
                    }
                    e = e + 1 == events.count ? 0 : e + 1
                }
                let end = CPUTime.thisThreadNs()
                written += buffer.count
                buffer.removeAll(keepingCapacity: true)
                guard round > 0 else { continue }
                rows[index].rates.append(Double(self.events) / (Double(end - start) / 1e9))
                rows[index].bytesPerEvent = Double(written) / Double(self.events)
            }
        }
        for (index, row) in samples.rows.enumerated() {
            let s = Summary(rows[index].rates)
            table.add([
                row.name, Format.rate(s.median), "\(Format.rate(s.min))–\(Format.rate(s.max))",
                Format.fixed(1e9 / s.median, 0), Format.fixed(rows[index].bytesPerEvent, 0),
                index == samples.rows.count - 1 ? "≥ 1,000,000/s" : "",
            ])
        }
        table.note(
            "events/s per CPU second of the formatting thread; "
                + "EventJSON.append of each event (seq and times varied per event) into one reused buffer, emptied at "
                + "\(Self.bufferBytes / 1024) KiB; \(common.rounds) rounds of \(Format.grouped(events)) events per row after a warm-up round"
        )
        table.note(samples.description)
        return table
    }

    private func decoder(_ samples: HotPathSamples) -> ResultTable {
        var table = ResultTable(
            title: "Record decoder alone: ring-buffer records → ObserverEvent, one core",
            columns: [
                ("records", .left), ("median records/s", .right), ("min–max records/s", .right),
                ("ns/record", .right), ("bytes/record", .right),
            ])
        let decoder = BenchmarkRecordDecoder()
        var rows = [Row](repeating: Row(), count: samples.records.count)
        var decodedCount = 0
        for round in 0...common.rounds {
            for (index, row) in samples.records.enumerated() {
                let records = row.records
                var e = 0
                var checksum: UInt64 = 0
                let start = CPUTime.thisThreadNs()
                for _ in 0..<self.events {
                    records[e].withUnsafeBytes { raw in
                        if let event = decoder.decode(raw) { checksum &+= UInt64(bitPattern: Int64(event.processID)) }
                    }
                    e = e + 1 == records.count ? 0 : e + 1
                }
                let end = CPUTime.thisThreadNs()
                decodedCount = Int(checksum / UInt64(RecordSamples.tgid))
                guard round > 0 else { continue }
                rows[index].rates.append(Double(self.events) / (Double(end - start) / 1e9))
                rows[index].bytesPerEvent =
                    Double(records.reduce(0) { $0 + $1.count }) / Double(records.count)
            }
        }
        for (index, row) in samples.records.enumerated() {
            let s = Summary(rows[index].rates)
            table.add([
                row.name, Format.rate(s.median), "\(Format.rate(s.min))–\(Format.rate(s.max))",
                Format.fixed(1e9 / s.median, 0), Format.fixed(rows[index].bytesPerEvent, 0),
            ])
        }
        table.note(
            "records/s per CPU second of the decoding thread; RecordDecoder.decode of records built as the BPF programs send them (obs_records.h, sent at the "
                + "size rule's length), every category on and paths resolved; \(decodedCount == events ? "every record decoded" : "NOT every record decoded (\(decodedCount) of \(events))")"
        )
        return table
    }

    /// The buffer size at which the formatter's output is taken away (obsctl's flush size).
    static let bufferBytes = 64 * 1024
}

/// Realistic decoded events and raw records of the hot kinds: an open by absolute path (as the
/// flood makes), an exec of `/bin/true`, a fork, an exit, and a TCP connect on loopback; plus an
/// even mix of them.
struct HotPathSamples: CustomStringConvertible {
    struct EventRow {
        var name: String
        var events: [ObserverEvent]
    }
    struct RecordRow {
        var name: String
        var records: [[UInt8]]
    }

    let rows: [EventRow]
    let records: [RecordRow]

    init() {
        let decoder = BenchmarkRecordDecoder()
        let built: [(String, [UInt8])] = [
            ("open (absolute path)", RecordSamples.open()),
            ("exec (/bin/true)", RecordSamples.exec()),
            ("fork", RecordSamples.fork()),
            ("exit", RecordSamples.exit()),
            ("connect (127.0.0.1)", RecordSamples.connect()),
        ]
        // A cgroup id that resolves, as a run cgroup's does: this process's own cgroup.
        let cgroupID = Self.ownCgroupID()
        let wall = Int64(1_765_000_000) * 1_000_000_000
        var rows: [EventRow] = []
        for (name, record) in built {
            var event = record.withUnsafeBytes { decoder.decode($0) }!
            event.cgroupID = cgroupID
            event.wallClockNs = wall
            rows.append(EventRow(name: name, events: [event]))
        }
        rows.append(EventRow(name: "mix (one of each)", events: rows.flatMap(\.events)))
        self.rows = rows
        var records = built.map { RecordRow(name: $0.0, records: [$0.1]) }
        records.append(RecordRow(name: "mix (one of each)", records: built.map(\.1)))
        self.records = records
    }

    var description: String {
        "sample lines: "
            + rows.dropLast().map {
                var buffer: [UInt8] = []
                EventJSON.append($0.events[0], to: &buffer)
                return String(decoding: buffer.dropLast(), as: UTF8.self)
            }.joined(separator: " ")
    }

    /// The inode of this process's cgroup v2 directory (0 without one).
    static func ownCgroupID() -> UInt64? {
        let fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let text = String(decoding: Launcher.readAll(fd), as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        var st = stat()
        guard stat("/sys/fs/cgroup" + line.dropFirst(3), &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }
}
