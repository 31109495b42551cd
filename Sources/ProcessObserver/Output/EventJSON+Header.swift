extension EventJSON {
    /// The recording header (`RecordingHeader`) as the first JSON Lines object of a stream,
    /// followed by `\n`: the members every event has (`seq` 0, `ts_ns` and `time` the run's
    /// clock base, `category` `lifecycle`, `kind` `header`, `pid` the root), then its own.
    public static func headerLine(_ header: RecordingHeader) -> String {
        JSONBuilder.string { json in
            encode(header, into: &json)
            json.append(UInt8(ascii: "\n"))
        }
    }

    static func encode(_ header: RecordingHeader, into json: inout JSONBuilder) {
        json.beginObject()
        json.member("seq", 0)
        json.member("ts_ns", header.clockBase.monotonicNs)
        json.key("time")
        RFC3339.appendQuoted(epochNanoseconds: header.clockBase.wallNs, to: &json)
        json.member("category", EventCategory.lifecycle.rawValue)
        json.member("kind", "header")
        json.member("pid", header.processID)
        json.member("schema_version", header.schema.description)
        json.member("writer", header.writer)
        json.member("writer_version", header.writerVersion)
        json.member("host", header.hostName)
        json.member("kernel_release", header.kernelRelease)
        json.member("boot_id", header.bootID)
        json.key("clock")
        json.beginObject()
        json.member("monotonic_ns", header.clockBase.monotonicNs)
        json.member("realtime_ns", header.clockBase.wallNs)
        json.endObject()
        json.key("capabilities")
        json.beginArray()
        for capability in header.capabilities {
            json.beginObject()
            json.member("category", capability.category)
            json.member("support", capability.support?.rawValue ?? "unknown")
            json.member("backend", capability.backend)
            json.member("observed", capability.observed)
            json.key("missing")
            json.beginArray()
            for kind in capability.missing { json.string(kind) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.argv(header.argv)
        json.bytes(header.workingDirectory, key: "cwd", b64Key: "cwd_b64")
        json.member("attached", header.attached)
        if let cgroup = header.cgroup { json.member("cgroup", cgroup) }
        if let segment = header.segment { encode(segment, clock: header.clockBase, into: &json) }
        if let retention = header.retention { encode(retention, clock: header.clockBase, into: &json) }
        if let filters = header.filters { encode(filters, into: &json) }
        json.endObject()
    }

    /// `filters`: each condition that was set (`failed_only` true, `slower_than_ns`, `kinds`).
    private static func encode(_ filter: EventFilter, into json: inout JSONBuilder) {
        json.key("filters")
        json.beginObject()
        if filter.failedOnly { json.member("failed_only", true) }
        if filter.slowerThan != nil { json.member("slower_than_ns", filter.slowerThanNs) }
        if let kinds = filter.kinds {
            json.key("kinds")
            json.beginArray()
            for kind in kinds.sorted() { json.string(kind.name) }
            json.endArray()
        }
        json.endObject()
    }

    private static func encode(_ segment: RecordingHeader.Segment, clock: ClockBase, into json: inout JSONBuilder) {
        json.key("segment")
        json.beginObject()
        json.member("run", segment.run)
        json.member("sequence", segment.sequence)
        json.member("opened_ns", segment.openedNs)
        json.key("opened")
        RFC3339.appendQuoted(epochNanoseconds: clock.wallClock(forMonotonic: segment.openedNs), to: &json)
        json.endObject()
    }

    private static func encode(_ retention: RecordingHeader.Retention, clock: ClockBase, into json: inout JSONBuilder) {
        json.key("retention")
        json.beginObject()
        json.member("segments", retention.segments)
        json.member("first_sequence", retention.firstSequence)
        json.member("last_sequence", retention.lastSequence)
        json.member("bytes", retention.bytes)
        if let from = retention.fromNs, let to = retention.toNs {
            json.member("from_ns", from)
            json.member("to_ns", to)
            json.key("from")
            RFC3339.appendQuoted(epochNanoseconds: clock.wallClock(forMonotonic: from), to: &json)
            json.key("to")
            RFC3339.appendQuoted(epochNanoseconds: clock.wallClock(forMonotonic: to), to: &json)
        }
        if let first = retention.firstSeq, let last = retention.lastSeq {
            json.member("first_seq", first)
            json.member("last_seq", last)
        }
        json.key("events")
        json.beginObject()
        json.member("lifecycle", retention.events[.lifecycle] ?? 0)
        json.member("file", retention.events[.file] ?? 0)
        json.member("network", retention.events[.network] ?? 0)
        json.member("process", retention.events[.process] ?? 0)
        json.endObject()
        json.endObject()
    }
}
