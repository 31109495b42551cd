import SystemPackage

/// Reads a recording, the JSON Lines stream `obsctl watch --json` writes, back into the
/// `ObserverEvent`s it was written from: streaming, one line at a time, in bounded memory.
///
/// ```swift
/// let recording = try RunRecording.open("run.jsonl")
/// while let event = try recording.next() { … }
/// if let note = recording.coverage.truncationNote(from: recording.header?.clockBase.monotonicNs) { print(note) }
/// ```
///
/// The first line is the `header` (`RecordingHeader`), read when the recording is opened; a
/// recording from before headers existed starts with its first event, and `header` is nil.
/// Memory stays bounded whatever the recording's size: one read buffer (256 KiB), one line at a
/// time, and no line longer than `maxLineBytes` (a file that has none is not a recording).
///
/// Schema evolution (`Docs/EVENTS.md`): members this reader does not know are ignored, kinds it
/// does not know are skipped and counted in `coverage.skippedKinds`, and a recording of another
/// major schema version is refused. A recording cut short is read up to its last complete line:
/// an incomplete last line is ignored and counted, and `coverage.isTruncated` says so. A damaged
/// line elsewhere throws, naming the line.
///
/// A directory is read as a segmented recording (`SegmentedRecordingWriter`,
/// `Docs/RECORDING.md`): its segments in sequence order, gzip-compressed or not, each opening
/// with its own header (of the same run); `header` is the first segment's, with the newest
/// `retention` read, and `coverage.segments` says which segments were read and what retention
/// removed. `since` and `until` (nanoseconds since the Unix epoch) keep only the events whose
/// time lies in that window; `coverage` counts the rest.
public final class RunRecording {
    /// The longest line accepted: far beyond any event (a 4 KiB argv and path, escaped, base64ed).
    public static let maxLineBytes = 16 << 20

    /// The recording's header; nil for a recording without one.
    public private(set) var header: RecordingHeader?
    /// What has been read so far; complete once `next()` has returned nil.
    public private(set) var coverage = RecordingCoverage()
    /// The name used in messages: the path, or `standard input`.
    public let name: String

    private var fd: FileDescriptor
    private let ownsDescriptor: Bool
    /// The segment being read (a gzip one through `gzip`), and those after it, in order.
    private var gzip: GzipReader?
    private var segmentsLeft: [SegmentFile] = []
    /// The file being read, for messages: the recording's name, or the segment's path.
    private var fileName: String
    /// Complete lines read from the file being read.
    private var fileLines = 0
    /// The window of event times kept, in nanoseconds since the Unix epoch.
    private let since: Int64?
    private let until: Int64?
    private var buffer: [UInt8] = []
    /// Start of the unread bytes in `buffer`.
    private var start = 0
    private var atEOF = false
    private var finished = false
    /// The first event, when the first line was not a header.
    private var pending: ObserverEvent?

    /// Opens the file at `path` (`-` is standard input; a name ending in `.gz` is read through
    /// gzip, as one segment is), or the segmented recording in the
    /// directory `path`, and reads its header. `since` and `until` pick a window of event times
    /// (nanoseconds since the Unix epoch, both ends included).
    public static func open(_ path: String, since: Int64? = nil, until: Int64? = nil) throws(ObserverError)
        -> RunRecording
    {
        if path == "-" {
            return try RunRecording(
                reading: .standardInput, name: "standard input", ownsDescriptor: false, since: since, until: until)
        }
        if Syscall.isDirectory(path) {
            var segments = try SegmentFile.list(path)
            while !segments.isEmpty {
                guard let (first, fd) = try segments[0].openNow() else {
                    segments.removeFirst()
                    continue
                }
                segments[0] = first
                return try RunRecording(
                    reading: fd, name: path, ownsDescriptor: true, segments: segments, since: since, until: until)
            }
            throw .noSegments(path)
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw .recordingUnreadable(path, call: "open", errno: error as? Errno ?? .ioError)
        }
        return try RunRecording(
            reading: fd, name: path, ownsDescriptor: true, compressed: path.hasSuffix(".gz"), since: since, until: until
        )
    }

    /// Reads from `fd` (a pipe, a socket, a file), which stays the caller's unless `ownsDescriptor`.
    public convenience init(reading fd: FileDescriptor, name: String, ownsDescriptor: Bool = false)
        throws(ObserverError)
    {
        try self.init(reading: fd, name: name, ownsDescriptor: ownsDescriptor, since: nil, until: nil)
    }

    private init(
        reading fd: FileDescriptor, name: String, ownsDescriptor: Bool, segments: [SegmentFile] = [],
        compressed: Bool = false, since: Int64?, until: Int64?
    ) throws(ObserverError) {
        self.fd = fd
        self.name = name
        self.fileName = segments.first?.path ?? name
        self.ownsDescriptor = ownsDescriptor
        self.since = since
        self.until = until
        if since != nil || until != nil { coverage.window = RecordingCoverage.Window(since: since, until: until) }
        if compressed { gzip = GzipReader(fd: fd) }
        if let first = segments.first {
            if first.name.compressed { gzip = GzipReader(fd: fd) }
            segmentsLeft = Array(segments.dropFirst())
            coverage.segments = RecordingCoverage.Segments()
        }
        buffer.reserveCapacity(Self.chunk)
        do throws(ObserverError) {
            try readFirstLine()
        } catch {
            if ownsDescriptor { try? self.fd.close() }
            throw error
        }
    }

    deinit { if ownsDescriptor && !finished { try? fd.close() } }

    private static let chunk = 256 << 10

    /// The next event, or nil at the end of the recording (after which `coverage` is complete).
    public func next() throws(ObserverError) -> ObserverEvent? {
        if let event = pending {
            pending = nil
            return event
        }
        while !finished {
            guard let line = try nextLine() else {
                finished = true
                if ownsDescriptor { try? fd.close() }
                return nil
            }
            if let event = try decode(line), keep(event) { return event }
        }
        return nil
    }

    /// Whether `event` lies in the window; counts it in `coverage` either way.
    private func keep(_ event: ObserverEvent) -> Bool {
        if let since, event.wallClockNs < since {
            coverage.beforeWindow += 1
            return false
        }
        if let until, event.wallClockNs > until {
            coverage.afterWindow += 1
            return false
        }
        coverage.count(event)
        return true
    }

    /// Calls `body` with every remaining event.
    public func forEach(_ body: (ObserverEvent) throws -> Void) throws {
        while let event = try next() { try body(event) }
    }

    // MARK: lines

    private func readFirstLine() throws(ObserverError) {
        guard let line = try nextLine() else {
            if coverage.incompleteTailBytes > 0 {
                throw .invalidRecording(
                    name, reason: "it holds no complete line (\(coverage.incompleteTailBytes) bytes, no newline)")
            }
            throw .invalidRecording(name, reason: "it is empty")
        }
        if let event = try decode(line), keep(event) { pending = event }
    }

    /// The bytes of the next complete line (without its newline) as a range of `buffer`; nil at
    /// the end, after counting an incomplete tail.
    private func nextLine() throws(ObserverError) -> Range<Int>? {
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = start..<newline
                start = newline + 1
                coverage.lines += 1
                fileLines += 1
                return line
            }
            searchFrom = buffer.count
            if buffer.count - start > Self.maxLineBytes {
                throw .invalidRecording(
                    fileName, reason: "line \(fileLines + 1) is longer than \(Self.maxLineBytes >> 20) MiB")
            }
            if atEOF {
                coverage.incompleteTailBytes += buffer.count - start
                start = buffer.count
                guard try openNextSegment() else { return nil }
                searchFrom = start
                continue
            }
            // Keep only the unread part, then read more behind it.
            if start > 0 {
                buffer.removeSubrange(0..<start)
                searchFrom -= start
                start = 0
            }
            try fill()
        }
    }

    /// Closes the segment read to its end and opens the next; its first line must be a header of
    /// the same run.
    /// false when no segment is left (those listed may have been removed since: a recording
    /// still being written).
    private func openNextSegment() throws(ObserverError) -> Bool {
        var opened: (file: SegmentFile, fd: FileDescriptor)?
        while opened == nil, !segmentsLeft.isEmpty { opened = try segmentsLeft.removeFirst().openNow() }
        guard let (next, nextFD) = opened else { return false }
        try? fd.close()
        gzip = nil
        fd = nextFD
        if next.name.compressed { gzip = GzipReader(fd: fd) }
        fileName = next.path
        fileLines = 0
        buffer.removeAll(keepingCapacity: true)
        start = 0
        atEOF = false
        return true
    }

    private func fill() throws(ObserverError) {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.chunk))
        let result: Result<Int, Errno> = buffer.withUnsafeMutableBytes { raw in
            let target = UnsafeMutableRawBufferPointer(rebasing: raw[old...])
            do {
                if let gzip { return .success(try gzip.read(into: target)) }
                return .success(try fd.read(into: target))
            } catch {
                return .failure(error as? Errno ?? .ioError)
            }
        }
        switch result {
        case .success(let n):
            buffer.removeSubrange((old + n)...)
            if n == 0 { atEOF = true }
        case .failure(let errno):
            buffer.removeSubrange(old...)
            throw .recordingUnreadable(fileName, call: "read", errno: errno)
        }
    }

    // MARK: decoding

    /// The event on `line`, or nil for the header and for skipped kinds.
    private func decode(_ line: Range<Int>) throws(ObserverError) -> ObserverEvent? {
        let number = fileLines
        let name = fileName
        let parsed: Result<JSONValue, JSONParser.SyntaxError> = buffer.withUnsafeBufferPointer { all in
            do throws(JSONParser.SyntaxError) {
                return .success(try JSONParser.parse(UnsafeBufferPointer(rebasing: all[line])))
            } catch {
                return .failure(error)
            }
        }
        let value: JSONValue
        switch parsed {
        case .success(let v): value = v
        case .failure(let error):
            throw .invalidRecording(
                name, reason: "line \(number) is not JSON (\(error.message), at byte \(error.offset + 1) of the line)")
        }
        let decoded: EventJSONDecoder.Decoded
        do throws(JSONObjectReader.DecodingFailure) {
            decoded = try EventJSONDecoder.decode(value)
        } catch {
            throw .invalidRecording(
                name, reason: "line \(number) is not an event: its member \"\(error.member)\" \(error.problem)")
        }
        switch decoded {
        case .header(let header):
            guard number == 1 else { throw .invalidRecording(name, reason: "line \(number) is a second header") }
            guard header.schema.major == RecordingHeader.currentSchema.major else {
                throw .invalidRecording(
                    name,
                    reason: "it was written with schema \(header.schema) by \(header.writer) \(header.writerVersion), "
                        + "and this reader reads schema \(RecordingHeader.currentSchema.major).x only")
            }
            if coverage.segments != nil {
                try readSegmentHeader(header)
            } else {
                self.header = header
            }
            return nil
        case .unknownKind(let kind):
            coverage.skippedKinds[kind, default: 0] += 1
            return nil
        case .event(let event):
            return event
        }
    }

    /// A segment's header: the first one is the recording's; each later one must be of the same
    /// run, and brings the newest account of what retention removed.
    private func readSegmentHeader(_ segmentHeader: RecordingHeader) throws(ObserverError) {
        guard let segment = segmentHeader.segment else {
            throw .invalidRecording(fileName, reason: "its header does not say which segment it is")
        }
        if let first = header {
            guard first.segment?.run == segment.run else {
                throw .invalidRecording(
                    fileName,
                    reason: "it belongs to run \(segment.run), and the segments before it to run "
                        + (first.segment?.run ?? "(none)"))
            }
            if let retention = segmentHeader.retention { header?.retention = retention }
        } else {
            header = segmentHeader
        }
        coverage.segments?.read(segment.sequence, retention: segmentHeader.retention)
    }
}
