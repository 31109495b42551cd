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
public final class RunRecording {
    /// The longest line accepted: far beyond any event (a 4 KiB argv and path, escaped, base64ed).
    public static let maxLineBytes = 16 << 20

    /// The recording's header; nil for a recording without one.
    public private(set) var header: RecordingHeader?
    /// What has been read so far; complete once `next()` has returned nil.
    public private(set) var coverage = RecordingCoverage()
    /// The name used in messages: the path, or `standard input`.
    public let name: String

    private let fd: FileDescriptor
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    /// Start of the unread bytes in `buffer`.
    private var start = 0
    private var atEOF = false
    private var finished = false
    /// The first event, when the first line was not a header.
    private var pending: ObserverEvent?

    /// Opens the file at `path` (`-` is standard input) and reads its header.
    public static func open(_ path: String) throws(ObserverError) -> RunRecording {
        if path == "-" { return try RunRecording(reading: .standardInput, name: "standard input") }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw .recordingUnreadable(path, call: "open", errno: error as? Errno ?? .ioError)
        }
        return try RunRecording(reading: fd, name: path, ownsDescriptor: true)
    }

    /// Reads from `fd` (a pipe, a socket, a file), which stays the caller's unless `ownsDescriptor`.
    public init(reading fd: FileDescriptor, name: String, ownsDescriptor: Bool = false) throws(ObserverError) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        buffer.reserveCapacity(Self.chunk)
        do throws(ObserverError) {
            try readFirstLine()
        } catch {
            if ownsDescriptor { try? fd.close() }
            throw error
        }
    }

    deinit { if ownsDescriptor { try? fd.close() } }

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
            if let event = try decode(line) { return event }
        }
        return nil
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
        pending = try decode(line)
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
                return line
            }
            searchFrom = buffer.count
            if buffer.count - start > Self.maxLineBytes {
                throw .invalidRecording(
                    name, reason: "line \(coverage.lines + 1) is longer than \(Self.maxLineBytes >> 20) MiB")
            }
            if atEOF {
                coverage.incompleteTailBytes = buffer.count - start
                start = buffer.count
                return nil
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

    private func fill() throws(ObserverError) {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.chunk))
        let result: Result<Int, Errno> = buffer.withUnsafeMutableBytes { raw in
            do {
                return .success(try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[old...])))
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
            throw .recordingUnreadable(name, call: "read", errno: errno)
        }
    }

    // MARK: decoding

    /// The event on `line`, or nil for the header and for skipped kinds.
    private func decode(_ line: Range<Int>) throws(ObserverError) -> ObserverEvent? {
        let number = coverage.lines
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
            self.header = header
            return nil
        case .unknownKind(let kind):
            coverage.skippedKinds[kind, default: 0] += 1
            return nil
        case .event(let event):
            coverage.count(event)
            return event
        }
    }
}
