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
        json.endObject()
    }
}
