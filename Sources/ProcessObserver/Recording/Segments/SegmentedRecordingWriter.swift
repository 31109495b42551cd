import SystemPackage

/// Writes a recording as segments in a directory (`obsctl watch --record DIR`,
/// `Docs/RECORDING.md`): each segment a complete recording of its own (its header line states
/// the run and the segment's sequence number), closed at `segmentBytes`, compressed with gzip on
/// a thread of its own, and removed oldest first past `keepBytes` or `keepAge`, what was removed
/// being written into the next segment's header.
///
/// It receives each event already formatted (`append(_:_:)` hands the caller its buffer) and
/// writes whole lines only, with `O_APPEND`, so a writer killed at any moment (SIGKILL
/// included) leaves every segment readable to its last complete line.
///
/// Faults never stop the caller: on a full disk (ENOSPC, EDQUOT) the oldest closed segments are
/// removed first; with none left, events are dropped and counted (`droppedEvents`), and an
/// in-band `lost` event of source `writer` is written once writing works again. Any other write
/// error is handled the same way. `failure` keeps the first errno, for one message.
///
/// Not thread-safe: one thread appends (the compression thread shares only the closed segments'
/// list, under a lock). Memory is a 64 KiB buffer and one small record per kept segment.
public final class SegmentedRecordingWriter {
    /// Sizes and ages that bound a segmented recording.
    public struct Limits: Sendable, Hashable {
        /// A segment is closed before it would pass this many bytes (unless one line does).
        public var segmentBytes: Int
        /// The recording's bytes on disk stay at or under this: retention keeps the closed
        /// segments within `keepBytes - segmentBytes`, the room the open one may grow into.
        public var keepBytes: Int
        /// Closed segments whose last event is older are removed; with it, a segment is also
        /// closed once it is a quarter of this old, so old events go in time on a quiet run.
        public var keepAgeNs: UInt64?
        /// zlib's level for closed segments (1 is the fastest); nil leaves them uncompressed.
        public var compressionLevel: Int32?

        public init(
            segmentBytes: Int = 64 << 20, keepBytes: Int = 1 << 30, keepAgeNs: UInt64? = nil,
            compressionLevel: Int32? = 1
        ) {
            self.segmentBytes = segmentBytes
            self.keepBytes = keepBytes
            self.keepAgeNs = keepAgeNs
            self.compressionLevel = compressionLevel
        }

        /// The smallest `keepBytes` for `segmentBytes`: two segments, the open one and one closed.
        public var isValid: Bool { segmentBytes >= 4096 && keepBytes >= 2 * segmentBytes }
    }

    private struct Line {
        /// Where the line ends (after its newline) in `buffer`.
        var end: Int
        var category: EventCategory
        var timestampNs: UInt64
        var seq: UInt64
    }

    public let directory: String
    /// The run's id, in every segment's header.
    public let run: String
    public let limits: Limits
    private var header: RecordingHeader
    private var current: SegmentStats
    private var fd: FileDescriptor
    private var buffer: [UInt8] = []
    private var lines: [Line] = []
    private let bufferLimit = 64 << 10
    private let shared: SegmentStore
    private var rotateNotBeforeNs: UInt64 = 0
    private var isClosed = false
    /// How many removed segments the last header written counted.
    private var removedInLastHeader = 0

    /// Events dropped because they could not be written.
    public private(set) var droppedEvents: UInt64 = 0
    /// Drops not yet written as a `lost` event, and the last of them.
    private var unreportedDrops: UInt64 = 0
    private var lastDropped: (seq: UInt64, timestampNs: UInt64) = (0, 0)
    /// The errno of the first write that failed (ENOSPC, EDQUOT, or another).
    public private(set) var failure: Errno?

    /// Creates `directory` when missing (its parent must exist) and opens segment 1. Throws when
    /// the directory cannot be made or written, or already holds a recording's segments.
    public init(directory: String, header: RecordingHeader, limits: Limits) throws(ObserverError) {
        precondition(limits.isValid, "segment limits must satisfy Limits.isValid")
        self.directory = directory
        self.limits = limits
        let clock = header.clockBase
        self.run = Self.runID(clock: clock, pid: Syscall.processID())
        self.header = header
        try Self.prepare(directory: directory)
        shared = SegmentStore(directory: directory, compressionLevel: limits.compressionLevel)
        let now = Clock.monotonicNs()
        current = SegmentStats(
            name: SegmentName(sequence: 1, openedWallNs: clock.wallClock(forMonotonic: now)), openedNs: now)
        do throws(Errno) {
            fd = try Self.openSegment(directory + "/" + current.name.fileName)
        } catch {
            throw .recordingNotWritable(directory, call: "open", errno: error)
        }
        let first = headerLine(sequence: 1, openedNs: now).line
        do {
            _ = try first.withUnsafeBytes { try fd.writeAll($0) }
        } catch {
            try? fd.close()
            throw .recordingNotWritable(directory, call: "write", errno: error as? Errno ?? .ioError)
        }
        current.bytesOnDisk = UInt64(first.count)
        buffer.reserveCapacity(bufferLimit + 4096)
        shared.start()
    }

    deinit {
        if !isClosed { try? fd.close() }
        shared.stop()
    }

    /// Makes `directory` when it is missing (its parent must exist), and checks that it is a
    /// directory this process may write that holds no recording yet: what a caller checks before
    /// starting anything it would record.
    public static func prepare(directory: String) throws(ObserverError) {
        do throws(Errno) {
            try Syscall.makeDirectory(directory)
        } catch {
            if error != .fileExists { throw .recordingNotWritable(directory, call: "mkdir", errno: error) }
        }
        guard Syscall.isDirectory(directory) else {
            throw .recordingNotWritable(directory, call: "mkdir", errno: .fileExists)
        }
        guard Syscall.access(directory, 2 | 1) else {
            throw .recordingNotWritable(directory, call: "access", errno: Syscall.lastErrno)
        }
        let existing = (try? Syscall.directoryNames(directory)) ?? []
        if existing.contains(where: { SegmentName(fileName: String(decoding: $0, as: UTF8.self)) != nil }) {
            throw .recordingDirectoryInUse(directory)
        }
    }

    /// A run id that differs between runs: the run's start (wall clock, hexadecimal) and this
    /// process's id.
    static func runID(clock: ClockBase, pid: Int32) -> String {
        String(UInt64(bitPattern: clock.wallNs), radix: 16) + "-" + String(pid)
    }

    // MARK: appending

    /// Appends one event, which `body` formats as one JSON line (ending with `\n`) at the end of
    /// the buffer it is given.
    public func append(_ event: ObserverEvent, _ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        lines.append(Line(end: buffer.count, category: event.category, timestampNs: event.timestampNs, seq: event.seq))
        let segmentHasEvents = current.eventCount > 0 || lines.count > 1
        if Int(current.bytesOnDisk) + buffer.count > limits.segmentBytes, segmentHasEvents {
            // This line would take the segment past its size: what came before it closes it.
            write(lines: lines.count - 1)
            rotate()
        }
        if buffer.count >= bufferLimit { write(lines: lines.count) }
    }

    /// Appends one event in the JSON Lines format (`EventJSON`).
    public func append(_ event: ObserverEvent) {
        append(event) { EventJSON.append(event, to: &$0) }
    }

    /// Writes what is buffered, and closes the open segment when `keepAgeNs` says it is old
    /// enough (call it now and then on a quiet run, too).
    public func flush() {
        write(lines: lines.count)
        if let age = limits.keepAgeNs, current.eventCount > 0 {
            let now = Clock.monotonicNs()
            if now - current.openedNs >= max(age / 4, 1_000_000_000) { rotate() }
        }
    }

    /// Writes what is buffered, closes the last segment and compresses it, and waits for the
    /// compression thread. When retention removed segments since the last header was written,
    /// one more segment (a header alone) says so.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        write(lines: lines.count)
        if shared.retention.segments > removedInLastHeader { rotate() }
        try? fd.close()
        shared.close(current)
        shared.stop()
    }

    /// The segments kept, oldest first, and what retention removed (for tests and tools).
    public var retention: RecordingHeader.Retention { shared.retention }

    // MARK: writing

    private static func openSegment(_ path: String) throws(Errno) -> FileDescriptor {
        do {
            return try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .append, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o644))
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// The header of segment `sequence`, with what retention has removed so far.
    private func headerLine(sequence: Int, openedNs: UInt64) -> (line: [UInt8], removed: Int) {
        var header = self.header
        header.segment = RecordingHeader.Segment(run: run, sequence: sequence, openedNs: openedNs)
        let removed = shared.retention
        header.retention = removed.segments > 0 ? removed : nil
        return (Array(EventJSON.headerLine(header).utf8), removed.segments)
    }

    /// Writes the first `count` buffered lines (and, first, the `lost` line owed), removing old
    /// segments when the disk is full and dropping what still does not fit.
    private func write(lines count: Int) {
        guard count > 0 else { return }
        if unreportedDrops > 0 { writeLostLine() }
        let end = lines[count - 1].end
        var offset = 0
        // Events never go before the lost event owed for earlier ones: while it cannot be
        // written, they are dropped too.
        while offset < end, unreportedDrops == 0 {
            do {
                offset += try buffer.withUnsafeBytes { raw in
                    try fd.write(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                }
            } catch {
                let errno = error as? Errno ?? .ioError
                // Keep whole lines only: cut a line written in part.
                let boundary = lines[..<count].last(where: { $0.end <= offset })?.end ?? 0
                if offset > boundary {
                    try? fd.resize(to: Int64(current.bytesOnDisk) + Int64(boundary))
                    offset = boundary
                }
                if errno == .noSpace || errno == .diskQuotaExceeded, shared.removeOldest(forSpace: true) { continue }
                if failure == nil { failure = errno }
                break
            }
        }
        current.bytesOnDisk += UInt64(offset)
        for line in lines[..<count] {
            if line.end <= offset {
                current.count(category: line.category, timestampNs: line.timestampNs, seq: line.seq)
            } else {
                droppedEvents += 1
                unreportedDrops += 1
                lastDropped = (line.seq, line.timestampNs)
            }
        }
        buffer.removeSubrange(0..<end)
        lines.removeSubrange(0..<count)
        for i in lines.indices { lines[i].end -= end }
    }

    /// Writes the `lost` event owed for dropped events, with the `seq` and time of the last of
    /// them; left owed when it does not fit either.
    private func writeLostLine() {
        var event = ObserverEvent(
            seq: lastDropped.seq, timestampNs: lastDropped.timestampNs, category: .lifecycle,
            processID: header.processID, kind: .lost(Lost(count: unreportedDrops, source: .writer)))
        event.wallClockNs = header.clockBase.wallClock(forMonotonic: lastDropped.timestampNs)
        var line: [UInt8] = []
        EventJSON.append(event, to: &line)
        do {
            let n = try line.withUnsafeBytes { try fd.write($0) }
            if n < line.count {
                try? fd.resize(to: Int64(current.bytesOnDisk))
                return
            }
        } catch {
            if (error as? Errno) == .noSpace || (error as? Errno) == .diskQuotaExceeded {
                if shared.removeOldest(forSpace: true) { writeLostLine() }
            }
            return
        }
        current.bytesOnDisk += UInt64(line.count)
        current.count(category: .lifecycle, timestampNs: event.timestampNs, seq: event.seq)
        unreportedDrops = 0
    }

    // MARK: rotation and retention

    /// Closes the open segment and opens the next, after applying retention (so the new header
    /// says what it removed). When the next cannot be opened (a full disk with nothing left to
    /// remove), the open one stays open and rotation is tried again a second later.
    private func rotate() {
        let now = Clock.monotonicNs()
        guard now >= rotateNotBeforeNs else { return }
        shared.applyRetention(
            openBytes: current.bytesOnDisk, budget: UInt64(limits.keepBytes - limits.segmentBytes),
            olderThanNs: limits.keepAgeNs.map { now > $0 ? now - $0 : 0 })
        let sequence = current.name.sequence + 1
        let name = SegmentName(sequence: sequence, openedWallNs: header.clockBase.wallClock(forMonotonic: now))
        let (line, removed) = headerLine(sequence: sequence, openedNs: now)
        let path = directory + "/" + name.fileName
        var next: FileDescriptor?
        while next == nil {
            do throws(Errno) {
                let opened = try Self.openSegment(path)
                do {
                    _ = try line.withUnsafeBytes { try opened.writeAll($0) }
                    next = opened
                } catch {
                    try? opened.close()
                    try? Syscall.removeFile(path)
                    throw error as? Errno ?? .ioError
                }
            } catch {
                if (error == .noSpace || error == .diskQuotaExceeded), shared.removeOldest(forSpace: true) { continue }
                if failure == nil { failure = error }
                rotateNotBeforeNs = now + 1_000_000_000
                return
            }
        }
        try? fd.close()
        current.closedNs = now
        shared.close(current)
        fd = next!
        current = SegmentStats(name: name, openedNs: now)
        current.bytesOnDisk = UInt64(line.count)
        removedInLastHeader = removed
    }
}
