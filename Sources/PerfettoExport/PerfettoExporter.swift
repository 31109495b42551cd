import ObserverReporting
import ProcessObserver
import SwiftProtobuf

/// Writes a recording as a Perfetto trace in Perfetto's native protobuf format
/// (`perfetto.protos.Trace`), which ui.perfetto.dev opens: a process tree, per-process tracks
/// with a slice for each program a process ran, instants for its file and network events, CPU
/// and RSS counters with units, and flows from each fork to its child.
///
/// Two passes over the recording: the `RunReport` of the first gives every process's whole life
/// (so each track is named by the command it ended up running, and slices are known before any
/// event), then `append(_:to:)` streams the second pass's events as they are read. A `Trace` is
/// a repeated field, so the file is the concatenation of its packets, each written as soon as it
/// is made: memory stays bounded whatever the recording's size. `Docs/REPORT.md` (Perfetto)
/// documents the layout.
public struct PerfettoExporter {
    /// Track identifiers: process record `i` has track `i + 1`; its counters live above
    /// `counterBase`, the tree's totals at `treeCPUTrack` and `treeRSSTrack`.
    static func processTrack(_ index: Int) -> UInt64 { UInt64(index) + 1 }
    static let counterBase: UInt64 = 1 << 32
    static func cpuTrack(_ index: Int) -> UInt64 { counterBase + UInt64(index) * 2 }
    static func rssTrack(_ index: Int) -> UInt64 { counterBase + UInt64(index) * 2 + 1 }
    static let treeCPUTrack: UInt64 = 2 << 32
    static let treeRSSTrack: UInt64 = (2 << 32) + 1
    /// The run cgroup's own totals (`cgroup_totals`), when the samples carry them.
    static let cgroupCPUTrack: UInt64 = (2 << 32) + 2
    static let cgroupMemoryTrack: UInt64 = (2 << 32) + 3
    /// The one packet sequence every packet belongs to.
    static let sequence: UInt32 = 1

    private let report: RunReport
    /// The records of each pid, in start order (a pid can be reused within a run).
    private let recordsByPID: [Int32: [Int]]
    /// Processes that have per-process counter tracks (they appear in samples).
    private var counterTracks: Set<Int> = []
    private var first = true
    /// Packets written, for the caller's summary.
    public private(set) var packetCount = 0

    public init(report: RunReport) {
        self.report = report
        var byPID: [Int32: [Int]] = [:]
        for (i, p) in report.processes.enumerated() { byPID[p.processID, default: []].append(i) }
        recordsByPID = byPID
    }

    // MARK: the preamble: tracks, the process tree, slices

    /// The packets that need the whole run: the process tree, every track, every slice.
    public mutating func appendPreamble(to out: inout [UInt8]) {
        var tree = Perfetto_Protos_ProcessTree()
        tree.processes = report.processes.map { p in
            var process = Perfetto_Protos_ProcessTree.Process()
            process.pid = p.processID
            if let ppid = p.parentProcessID { process.ppid = ppid }
            process.cmdline = p.argv.isEmpty ? [p.name] : p.argv
            return process
        }
        var packet = Perfetto_Protos_TracePacket()
        packet.processTree = tree
        packet.timestamp = report.originNs
        write(packet, to: &out)

        for (i, p) in report.processes.enumerated() {
            var track = Perfetto_Protos_TrackDescriptor()
            track.uuid = Self.processTrack(i)
            if let ppid = p.parentProcessID, let parent = record(of: ppid, at: p.startNs) {
                track.parentUuid = Self.processTrack(parent)
            }
            track.name = "\(p.name) \(p.processID)"
            track.childOrdering = .chronological
            descriptor(track, to: &out)
        }
        for pid in report.samples.processes.keys.sorted() {
            guard let i = recordsByPID[pid]?.last else { continue }
            counterTracks.insert(i)
            let name = "\(report.processes[i].name) \(pid)"
            descriptor(
                counter(Self.cpuTrack(i), parent: Self.processTrack(i), name: name + " CPU %", unitName: "%"), to: &out)
            descriptor(
                counter(Self.rssTrack(i), parent: Self.processTrack(i), name: name + " RSS", unit: .sizeBytes), to: &out
            )
        }
        if report.samples.sampleCount > 0 {
            descriptor(counter(Self.treeCPUTrack, parent: nil, name: "tree CPU %", unitName: "%"), to: &out)
            descriptor(counter(Self.treeRSSTrack, parent: nil, name: "tree RSS", unit: .sizeBytes), to: &out)
        }
        if report.samples.cgroupSampleCount > 0 {
            descriptor(counter(Self.cgroupCPUTrack, parent: nil, name: "cgroup CPU %", unitName: "%"), to: &out)
        }
        if report.samples.cgroupMemorySampleCount > 0 {
            descriptor(counter(Self.cgroupMemoryTrack, parent: nil, name: "cgroup memory", unit: .sizeBytes), to: &out)
        }
        for i in report.processes.indices { appendSlices(of: i, to: &out) }
    }

    private func counter(
        _ uuid: UInt64, parent: UInt64?, name: String, unit: Perfetto_Protos_CounterDescriptor.Unit? = nil,
        unitName: String? = nil
    ) -> Perfetto_Protos_TrackDescriptor {
        var track = Perfetto_Protos_TrackDescriptor()
        track.uuid = uuid
        if let parent { track.parentUuid = parent }
        track.name = name
        var counter = Perfetto_Protos_CounterDescriptor()
        if let unit { counter.unit = unit }
        if let unitName { counter.unitName = unitName }
        track.counter = counter
        return track
    }

    /// A slice per program the process ran: from its start to its first exec (named after the
    /// program it was forked from), then from each successful exec to the next (or its exit).
    private mutating func appendSlices(of index: Int, to out: inout [UInt8]) {
        let p = report.processes[index]
        let end = max(p.startNs, p.exitNs ?? report.lastTimestampNs)
        let execs = p.execs.filter { $0.errno == nil }
        var boundaries = [(ts: p.startNs, name: forkedName(index), argv: [String](), path: "")]
        for e in execs {
            let name = e.path.split(separator: "/").last.map(String.init) ?? e.path
            boundaries.append((max(e.timestampNs, p.startNs), name, e.argv, e.path))
        }
        for (k, segment) in boundaries.enumerated() {
            let segmentEnd = k + 1 < boundaries.count ? boundaries[k + 1].ts : end
            var begin = Perfetto_Protos_TrackEvent()
            begin.type = .sliceBegin
            begin.trackUuid = Self.processTrack(index)
            begin.name = segment.name
            begin.categories = ["process"]
            var annotations = [annotation("pid", int: Int64(p.processID))]
            if !segment.argv.isEmpty { annotations.append(annotation("argv", segment.argv.joined(separator: " "))) }
            if !segment.path.isEmpty { annotations.append(annotation("path", segment.path)) }
            if k == boundaries.count - 1 {
                annotations.append(
                    annotation("exit", p.status.map { EventText.exit($0, killedByOOM: p.killedByOOM) } ?? "not seen"))
                if let cpu = p.sampledCPUNs { annotations.append(annotation("sampled_cpu_ns", int: Int64(cpu))) }
            }
            begin.debugAnnotations = annotations
            if k == 0, p.parentProcessID != nil, p.startSeen { begin.terminatingFlowIds = [Self.flow(index)] }
            event(begin, at: segment.ts, to: &out)
            var finish = Perfetto_Protos_TrackEvent()
            finish.type = .sliceEnd
            finish.trackUuid = Self.processTrack(index)
            event(finish, at: segmentEnd, to: &out)
        }
    }

    /// The fork slice's name: the program the parent ran when it forked, `(fork)` after it.
    private func forkedName(_ index: Int) -> String {
        let p = report.processes[index]
        // The root, between obsctl's spawn and its exec.
        guard let ppid = p.parentProcessID, let parent = record(of: ppid, at: p.startNs) else { return "spawn" }
        let pp = report.processes[parent]
        let program = pp.execs.last { $0.errno == nil && $0.timestampNs <= p.startNs }?.path ?? pp.executable
        return (program.split(separator: "/").last.map(String.init) ?? program) + " (fork)"
    }

    static func flow(_ index: Int) -> UInt64 { UInt64(index) + 1 }

    // MARK: the events, streamed

    /// The packets of one event of the second pass: an instant for file and network events, a
    /// failed exec, or a fork (with its flow to the child); counters for a sample.
    public mutating func append(_ e: ObserverEvent, to out: inout [UInt8]) {
        switch e.kind {
        case .started, .exited, .exit, .lost, .limit, .profile, .syscalls:
            // The preamble's tracks and slices show starts and ends; losses, limits and syscall
            // summaries (totals, not moments) are not drawn.
            return
        case .sample(let sample):
            counterValue(Self.treeCPUTrack, double: sample.totalCPUPercent, at: e.timestampNs, to: &out)
            counterValue(Self.treeRSSTrack, int: Int64(sample.totalRSSBytes), at: e.timestampNs, to: &out)
            if let cgroup = sample.cgroup {
                counterValue(Self.cgroupCPUTrack, double: cgroup.cpuPercent, at: e.timestampNs, to: &out)
                if let memory = cgroup.memoryBytes {
                    counterValue(Self.cgroupMemoryTrack, int: Int64(memory), at: e.timestampNs, to: &out)
                }
            }
            for p in sample.processes {
                guard let i = recordsByPID[p.processID]?.last, counterTracks.contains(i) else { continue }
                counterValue(Self.cpuTrack(i), double: p.cpuPercent, at: e.timestampNs, to: &out)
                counterValue(Self.rssTrack(i), int: Int64(p.rssBytes), at: e.timestampNs, to: &out)
            }
        case .fork(let fork):
            guard let parent = record(of: fork.parentProcessID, at: e.timestampNs),
                let child = record(of: fork.childProcessID, at: e.timestampNs)
            else { return }
            instant(
                EventText.summary(e.kind), category: "process", track: parent, at: e.timestampNs,
                [annotation("child_pid", int: Int64(fork.childProcessID))], flow: Self.flow(child), to: &out)
        case .exec(let exec):
            // A successful exec is a slice boundary, drawn in the preamble; a failed one an instant.
            guard e.kind.failed, let i = record(of: e.processID, at: e.timestampNs) else { return }
            instant(
                EventText.summary(e.kind), category: "process", track: i,
                at: e.timestampNs,
                [annotation("path", exec.path.value.string), annotation("result", int: exec.result.rawValue)],
                to: &out)
        case .open(let op):
            file(
                op.path, op.absolutePath, op.result, e,
                [annotation("flags", OpenFlags.names(of: op.flags).joined(separator: "|"))], to: &out)
        case .unlink(let op): file(op.path, op.absolutePath, op.result, e, [], to: &out)
        case .rmdir(let op): file(op.path, op.absolutePath, op.result, e, [], to: &out)
        case .mkdir(let op): file(op.path, op.absolutePath, op.result, e, [], to: &out)
        case .rename(let op):
            file(
                op.path, op.absolutePath, op.result, e,
                [annotation("new_path", (op.newAbsolutePath?.value ?? op.newPath.value).string)], to: &out)
        case .chdir(let op), .fchdir(let op):
            file(
                op.path ?? CapturedString(ByteString("fd \(op.fd ?? -1)")), op.absolutePath, op.result, e,
                [],
                to: &out)
        case .link(let op):
            file(
                op.path, op.absolutePath, op.result, e,
                [annotation("new_path", (op.newAbsolutePath?.value ?? op.newPath.value).string)], to: &out)
        case .symlink(let op):
            file(
                op.path, op.absolutePath, op.result, e, [annotation("target", op.target.value.string)],
                to: &out)
        case .connect(let op): socket(op, e, to: &out)
        case .accept(let op): socket(op, e, to: &out)
        case .bind(let op): socket(op, e, to: &out)
        case .close(let c):
            guard let i = record(of: e.processID, at: e.timestampNs) else { return }
            instant(
                EventText.summary(e.kind), category: "file", track: i, at: e.timestampNs,
                [
                    annotation("path", c.path.value.string), annotation("fd", int: Int64(c.fd)),
                    annotation("bytes_read", int: Int64(clamping: c.bytesRead)),
                    annotation("bytes_written", int: Int64(clamping: c.bytesWritten)),
                ], to: &out)
        case .socketClose(let c):
            guard let i = record(of: e.processID, at: e.timestampNs) else { return }
            instant(
                EventText.summary(e.kind), category: "network", track: i, at: e.timestampNs,
                [
                    annotation("address", EventText.peer(c)), annotation("fd", int: Int64(c.fd)),
                    annotation("bytes_sent", int: Int64(clamping: c.bytesSent)),
                    annotation("bytes_received", int: Int64(clamping: c.bytesReceived)),
                ], to: &out)
        case .dns(let d):
            guard let i = record(of: e.processID, at: e.timestampNs) else { return }
            instant(
                EventText.summary(e.kind), category: "network", track: i, at: e.timestampNs,
                [annotation("query", d.query), annotation("qtype", d.queryType)], to: &out)
        case .listen(let op):
            guard let i = record(of: e.processID, at: e.timestampNs) else { return }
            instant(
                EventText.summary(e.kind), category: "network", track: i,
                at: e.timestampNs,
                [annotation("backlog", int: Int64(op.backlog)), annotation("result", int: op.result.rawValue)],
                to: &out)
        }
    }

    /// A file instant, named by `EventText.summary`; the path as passed and the absolute one are
    /// both annotations.
    private mutating func file(
        _ path: CapturedString, _ absolute: ResolvedPath?, _ result: SyscallResult,
        _ e: ObserverEvent, _ extra: [Perfetto_Protos_DebugAnnotation], to out: inout [UInt8]
    ) {
        guard let i = record(of: e.processID, at: e.timestampNs) else { return }
        let named = EventPath(passed: path, absolute: absolute)
        var annotations = [annotation("path", path.value.string)]
        if let resolved = named.walkableAbsolute { annotations.append(annotation("abs_path", resolved.value.string)) }
        instant(
            EventText.summary(e.kind), category: "file", track: i,
            at: e.timestampNs,
            annotations + [annotation("result", int: result.rawValue)] + extra, to: &out)
    }

    private mutating func socket(_ op: SocketOperation, _ e: ObserverEvent, to out: inout [UInt8]) {
        guard let i = record(of: e.processID, at: e.timestampNs) else { return }
        let address = EventText.address(op.address)
        instant(
            EventText.summary(e.kind), category: "network", track: i, at: e.timestampNs,
            [
                annotation("address", address), annotation("fd", int: Int64(op.fd)),
                annotation("result", int: op.result.rawValue),
            ],
            to: &out)
    }

    /// The record of `pid` alive at `ns`: the latest one started by then (the first otherwise).
    private func record(of pid: Int32, at ns: UInt64) -> Int? {
        guard let records = recordsByPID[pid] else { return nil }
        return records.last { report.processes[$0].startNs <= ns } ?? records.first
    }

    // MARK: packets

    private mutating func instant(
        _ name: String, category: String, track index: Int, at ns: UInt64,
        _ annotations: [Perfetto_Protos_DebugAnnotation],
        flow: UInt64? = nil, to out: inout [UInt8]
    ) {
        var e = Perfetto_Protos_TrackEvent()
        e.type = .instant
        e.trackUuid = Self.processTrack(index)
        e.name = name
        e.categories = [category]
        e.debugAnnotations = annotations
        if let flow { e.flowIds = [flow] }
        event(e, at: ns, to: &out)
    }

    private mutating func counterValue(
        _ track: UInt64, double: Double? = nil, int: Int64? = nil, at ns: UInt64, to out: inout [UInt8]
    ) {
        var e = Perfetto_Protos_TrackEvent()
        e.type = .counter
        e.trackUuid = track
        if let double { e.doubleCounterValue = double }
        if let int { e.counterValue = int }
        event(e, at: ns, to: &out)
    }

    private func annotation(_ name: String, _ value: String) -> Perfetto_Protos_DebugAnnotation {
        var a = Perfetto_Protos_DebugAnnotation()
        a.name = name
        a.stringValue = value
        return a
    }

    private func annotation(_ name: String, int value: Int64) -> Perfetto_Protos_DebugAnnotation {
        var a = Perfetto_Protos_DebugAnnotation()
        a.name = name
        a.intValue = value
        return a
    }

    private mutating func event(_ e: Perfetto_Protos_TrackEvent, at ns: UInt64, to out: inout [UInt8]) {
        var packet = Perfetto_Protos_TracePacket()
        packet.timestamp = ns
        packet.trackEvent = e
        write(packet, to: &out)
    }

    private mutating func descriptor(_ track: Perfetto_Protos_TrackDescriptor, to out: inout [UInt8]) {
        var packet = Perfetto_Protos_TracePacket()
        packet.trackDescriptor = track
        write(packet, to: &out)
    }

    /// Appends `packet` as one `Trace.packet` (field 1, length-delimited).
    private mutating func write(_ packet: Perfetto_Protos_TracePacket, to out: inout [UInt8]) {
        var packet = packet
        packet.trustedPacketSequenceID = Self.sequence
        if first {
            packet.sequenceFlags = UInt32(Perfetto_Protos_TracePacket.SequenceFlags.seqIncrementalStateCleared.rawValue)
            first = false
        }
        // Serializing a message with only set fields of known types cannot fail.
        let bytes: [UInt8] = (try? packet.serializedBytes()) ?? []
        out.append(0x0A)
        var length = UInt64(bytes.count)
        while length >= 0x80 {
            out.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        out.append(UInt8(length))
        out.append(contentsOf: bytes)
        packetCount += 1
    }
}
