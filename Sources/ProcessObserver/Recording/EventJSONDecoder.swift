/// Reads back one line `EventJSON` wrote: the mirror of `EventJSON.encode`, member for member and
/// kind for kind, in the same order, so a member added to the writer has an obvious place here.
///
/// Tolerant in the way `Docs/EVENTS.md` (Schema evolution) promises: members it does not know are
/// ignored, and a kind (or category) it does not know is reported as `.unknownKind` for the
/// caller to skip and count. A known kind missing a member it needs is damage, and throws.
enum EventJSONDecoder {
    enum Decoded {
        case event(ObserverEvent)
        case header(RecordingHeader)
        /// A kind from a newer writer (or a category this reader does not know).
        case unknownKind(String)
    }

    static func decode(_ line: JSONValue) throws(JSONObjectReader.DecodingFailure) -> Decoded {
        let json = try JSONObjectReader(line, member: "the line")
        let kind = try json.string("kind")
        if kind == "header" { return .header(try header(json)) }
        guard let category = EventCategory(rawValue: try json.string("category")) else { return .unknownKind(kind) }
        guard let decodedKind = try self.kind(kind, category, json) else { return .unknownKind(kind) }
        let timestamp: UInt64 = try json.int("ts_ns")
        guard let wall = RFC3339.parse(try json.string("time")) else {
            throw JSONObjectReader.DecodingFailure(member: "time", problem: "is not an RFC 3339 UTC time")
        }
        var event = ObserverEvent(
            seq: try json.int("seq"), timestampNs: timestamp, wallClockNs: wall, category: category,
            processID: try json.int("pid"), threadID: try json.optionalInt("tid"),
            parentProcessID: try json.optionalInt("ppid"),
            command: json.has("comm") ? try json.bytes("comm", b64Key: "comm_b64") : nil, kind: decodedKind)
        event.cgroupID = try json.optionalInt("cgroup_id")
        if event.cgroupID != nil { event.recordedCgroupPath = .some(try json.optionalString("cgroup")) }
        return .event(event)
    }

    /// `EventJSON.encodeKind`, read back; nil for a kind this reader does not know. Kinds are
    /// read by name, and `close` by name and category (a file's or a socket's).
    private static func kind(_ name: String, _ category: EventCategory, _ json: JSONObjectReader)
        throws(JSONObjectReader.DecodingFailure) -> EventKind?
    {
        switch name {
        case "started":
            return .started(Started(argv: try json.argv(), path: try json.bytes("path", b64Key: "path_b64")))
        case "exited": return .exited(try json.processEnd())
        case "exit": return .exit(try json.processEnd())
        case "sample": return .sample(try json.sample())
        case "lost":
            guard let source = Lost.Source(rawValue: try json.string("source")) else {
                throw JSONObjectReader.DecodingFailure(
                    member: "source", problem: "is not subscriber, kernel, exporter or writer")
            }
            return .lost(Lost(count: try json.int("count"), source: source))
        case "limit":
            guard let resource = LimitReached.Resource(rawValue: try json.string("resource")) else {
                throw JSONObjectReader.DecodingFailure(member: "resource", problem: "is not memory or pids")
            }
            return .limit(LimitReached(resource: resource, count: try json.int("count"), limit: try json.int("limit")))
        case "profile": return .profile(try json.profile())
        case "syscalls": return .syscalls(try json.syscallSummary())
        case "fork":
            return .fork(Fork(childProcessID: try json.int("child_pid"), parentProcessID: try json.int("parent_pid")))
        case "exec":
            return .exec(
                Exec(
                    path: try path(json), argv: try json.argv(), argvTruncated: try json.bool("argv_truncated"),
                    result: try json.result(), directoryFD: try json.optionalInt("dirfd"),
                    absolutePath: try json.resolved(.absolute), workingDirectory: try json.resolved(.workingDirectory)))
        case "open":
            guard let flags = OpenFlags.value(of: try json.strings("flags")) else {
                throw JSONObjectReader.DecodingFailure(
                    member: "flags", problem: "names a flag this reader does not know")
            }
            return .open(
                FileOpen(
                    path: try path(json), flags: flags, mode: try json.optionalInt("mode"), result: try json.result(),
                    directoryFD: try json.optionalInt("dirfd"), absolutePath: try json.resolved(.absolute)))
        case "unlink": return .unlink(try pathOperation(json))
        case "rmdir": return .rmdir(try pathOperation(json))
        case "mkdir": return .mkdir(try pathOperation(json))
        case "rename":
            return .rename(
                Rename(
                    path: try path(json),
                    newPath: try json.captured(
                        "new_path", b64Key: "new_path_b64", truncatedKey: "new_path_truncated",
                        unreadableKey: "new_path_unreadable"),
                    result: try json.result(), directoryFD: try json.optionalInt("dirfd"),
                    newDirectoryFD: try json.optionalInt("new_dirfd"), absolutePath: try json.resolved(.absolute),
                    newAbsolutePath: try json.resolved(.newAbsolute)))
        case "chdir", "fchdir":
            let change = ChangeDirectory(
                path: json.has("path") ? try path(json) : nil, fd: try json.optionalInt("fd"),
                absolutePath: try json.resolved(.absolute), result: try json.result())
            return name == "chdir" ? .chdir(change) : .fchdir(change)
        case "link":
            var flags: Int32 = 0
            if json.has("flags") {
                guard let value = AtFlags.value(of: try json.strings("flags")) else {
                    throw JSONObjectReader.DecodingFailure(
                        member: "flags", problem: "names a flag this reader does not know")
                }
                flags = value
            }
            return .link(
                Link(
                    path: try path(json), newPath: try newPath(json), directoryFD: try json.optionalInt("dirfd"),
                    newDirectoryFD: try json.optionalInt("new_dirfd"), flags: flags,
                    absolutePath: try json.resolved(.absolute), newAbsolutePath: try json.resolved(.newAbsolute),
                    result: try json.result()))
        case "symlink":
            return .symlink(
                Symlink(
                    path: try path(json),
                    target: try json.captured(
                        "target", b64Key: "target_b64", truncatedKey: "target_truncated",
                        unreadableKey: "target_unreadable"),
                    directoryFD: try json.optionalInt("dirfd"), absolutePath: try json.resolved(.absolute),
                    result: try json.result()))
        case "connect": return .connect(try socketOperation(json))
        case "accept": return .accept(try socketOperation(json))
        case "bind": return .bind(try socketOperation(json))
        case "listen":
            return .listen(Listen(fd: try json.int("fd"), backlog: try json.int("backlog"), result: try json.result()))
        case "close" where category == .file: return .close(try json.fileClose())
        case "close" where category == .network: return .socketClose(try json.socketClose())
        case "dns": return .dns(try json.dnsExchange())
        default: return nil
        }
    }

    /// The `path` captured string most kinds carry.
    private static func path(_ json: JSONObjectReader) throws(JSONObjectReader.DecodingFailure) -> CapturedString {
        try json.captured("path", b64Key: "path_b64", truncatedKey: "path_truncated", unreadableKey: "path_unreadable")
    }

    /// The `new_path` captured string of rename and link.
    private static func newPath(_ json: JSONObjectReader) throws(JSONObjectReader.DecodingFailure) -> CapturedString {
        try json.captured(
            "new_path", b64Key: "new_path_b64", truncatedKey: "new_path_truncated", unreadableKey: "new_path_unreadable"
        )
    }

    private static func pathOperation(_ json: JSONObjectReader) throws(JSONObjectReader.DecodingFailure)
        -> PathOperation
    {
        PathOperation(
            path: try path(json), mode: try json.optionalInt("mode"), result: try json.result(),
            directoryFD: try json.optionalInt("dirfd"), absolutePath: try json.resolved(.absolute))
    }

    private static func socketOperation(_ json: JSONObjectReader) throws(JSONObjectReader.DecodingFailure)
        -> SocketOperation
    {
        SocketOperation(
            fd: try json.int("fd"), address: try json.socketAddress(), result: try json.result(),
            absolutePath: try json.resolved(.absolute), peerName: try json.optionalString("peer_name"))
    }

    /// `EventJSON.encode(_: RecordingHeader)`, read back.
    private static func header(_ json: JSONObjectReader) throws(JSONObjectReader.DecodingFailure) -> RecordingHeader {
        let versionText = try json.string("schema_version")
        guard let schema = SchemaVersion(versionText) else {
            throw JSONObjectReader.DecodingFailure(member: "schema_version", problem: "is not MAJOR.MINOR")
        }
        let clock = try JSONObjectReader(json.value("clock") ?? .null, member: "clock")
        var capabilities: [RecordingHeader.Capability] = []
        for element in try json.array("capabilities") {
            let c = try JSONObjectReader(element, member: "capabilities")
            capabilities.append(
                RecordingHeader.Capability(
                    category: try c.string("category"), support: CapabilitySupport(rawValue: try c.string("support")),
                    backend: try c.string("backend"), observed: try c.bool("observed"),
                    missing: try c.strings("missing")))
        }
        var header = RecordingHeader(
            schema: schema, writer: try json.string("writer"), writerVersion: try json.string("writer_version"),
            hostName: try json.string("host"), kernelRelease: try json.string("kernel_release"),
            bootID: try json.string("boot_id"),
            clockBase: ClockBase(monotonicNs: try clock.int("monotonic_ns"), wallNs: try clock.int("realtime_ns")),
            capabilities: capabilities, processID: try json.int("pid"), argv: try json.argv(),
            workingDirectory: try json.bytes("cwd", b64Key: "cwd_b64"), attached: try json.bool("attached"))
        header.cgroup = try json.optionalString("cgroup")
        if let value = json.value("segment") {
            let segment = try JSONObjectReader(value, member: "segment")
            header.segment = RecordingHeader.Segment(
                run: try segment.string("run"), sequence: try segment.int("sequence"),
                openedNs: try segment.int("opened_ns"))
        }
        if let value = json.value("retention") {
            let r = try JSONObjectReader(value, member: "retention")
            var retention = RecordingHeader.Retention()
            retention.segments = try r.int("segments")
            retention.firstSequence = try r.int("first_sequence")
            retention.lastSequence = try r.int("last_sequence")
            retention.bytes = try r.int("bytes")
            retention.fromNs = try r.optionalInt("from_ns")
            retention.toNs = try r.optionalInt("to_ns")
            retention.firstSeq = try r.optionalInt("first_seq")
            retention.lastSeq = try r.optionalInt("last_seq")
            let events = try JSONObjectReader(r.value("events") ?? .null, member: "events")
            for category in EventCategory.allCases {
                if let n: Int = try events.optionalInt(category.rawValue), n > 0 { retention.events[category] = n }
            }
            header.retention = retention
        }
        return header
    }
}
