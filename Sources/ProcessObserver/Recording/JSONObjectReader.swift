/// Typed access to the members of one JSON object, for `EventJSONDecoder`: the reading
/// counterpart of `JSONBuilder`'s `member` calls.
///
/// Required members throw `DecodingFailure` naming the member, so a damaged line says what is
/// wrong with it; members the reader does not ask for are ignored (schema evolution: a newer
/// writer may add any).
struct JSONObjectReader {
    /// A member was missing or had the wrong type.
    struct DecodingFailure: Error, Equatable {
        var member: String
        var problem: String
    }

    let members: [(key: String, value: JSONValue)]

    init(_ members: [(key: String, value: JSONValue)]) { self.members = members }

    init(_ value: JSONValue, member: String) throws(DecodingFailure) {
        guard case .object(let members) = value else {
            throw DecodingFailure(member: member, problem: "is not an object")
        }
        self.members = members
    }

    func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { value(key) != nil }

    private func required(_ key: String) throws(DecodingFailure) -> JSONValue {
        guard let value = value(key) else { throw DecodingFailure(member: key, problem: "is missing") }
        return value
    }

    // MARK: scalars

    func int<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws(DecodingFailure) -> T {
        let v = try required(key)
        if let s = v.int64, let t = T(exactly: s) { return t }
        if let u = v.uint64, let t = T(exactly: u) { return t }
        throw DecodingFailure(member: key, problem: "is not an integer that fits \(T.self)")
    }

    /// An optional integer member: nil when absent (or `null`).
    func optionalInt<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws(DecodingFailure) -> T? {
        guard let v = value(key), !v.isNull else { return nil }
        return try int(key, as: T.self)
    }

    func string(_ key: String) throws(DecodingFailure) -> String {
        guard let s = try required(key).string else { throw DecodingFailure(member: key, problem: "is not a string") }
        return s
    }

    func optionalString(_ key: String) throws(DecodingFailure) -> String? {
        guard let v = value(key), !v.isNull else { return nil }
        return try string(key)
    }

    func bool(_ key: String) throws(DecodingFailure) -> Bool {
        guard let b = try required(key).bool else { throw DecodingFailure(member: key, problem: "is not a boolean") }
        return b
    }

    /// A flag written only when true (`path_truncated`): false when absent.
    func flag(_ key: String) throws(DecodingFailure) -> Bool {
        guard has(key) else { return false }
        return try bool(key)
    }

    func double(_ key: String) throws(DecodingFailure) -> Double {
        guard let d = try required(key).double else { throw DecodingFailure(member: key, problem: "is not a number") }
        return d
    }

    /// A number, or nil when absent or `null` (`JSONBuilder.double` writes `null` for NaN).
    func optionalDouble(_ key: String) throws(DecodingFailure) -> Double? {
        guard let v = value(key), !v.isNull else { return nil }
        return try double(key)
    }

    func array(_ key: String) throws(DecodingFailure) -> [JSONValue] {
        guard let a = try required(key).array else { throw DecodingFailure(member: key, problem: "is not an array") }
        return a
    }

    func strings(_ key: String) throws(DecodingFailure) -> [String] {
        var out: [String] = []
        for element in try array(key) {
            guard let s = element.string else { throw DecodingFailure(member: key, problem: "holds a non-string") }
            out.append(s)
        }
        return out
    }

    // MARK: the shapes JSONBuilder's extensions write (EventJSON.swift), in the same order

    /// `JSONBuilder.bytes`: `b64Key` when present (the exact bytes), else the UTF-8 of `key`.
    func bytes(_ key: String, b64Key: String) throws(DecodingFailure) -> ByteString {
        if let encoded = try optionalString(b64Key) {
            guard let bytes = Base64.decode(encoded) else {
                throw DecodingFailure(member: b64Key, problem: "is not base64")
            }
            return ByteString(bytes: bytes)
        }
        return ByteString(try string(key))
    }

    /// `JSONBuilder.captured`: the value and its flags, present only when true.
    func captured(_ key: String, b64Key: String, truncatedKey: String, unreadableKey: String)
        throws(DecodingFailure) -> CapturedString
    {
        CapturedString(
            try bytes(key, b64Key: b64Key), truncated: try flag(truncatedKey), unreadable: try flag(unreadableKey))
    }

    /// `JSONBuilder.argv`: `argv`, or the parallel `argv_b64` when present.
    func argv() throws(DecodingFailure) -> [ByteString] {
        if has("argv_b64") {
            var out: [ByteString] = []
            for encoded in try strings("argv_b64") {
                guard let bytes = Base64.decode(encoded) else {
                    throw DecodingFailure(member: "argv_b64", problem: "holds a string that is not base64")
                }
                out.append(ByteString(bytes: bytes))
            }
            return out
        }
        return try strings("argv").map { ByteString($0) }
    }

    /// `JSONBuilder.result`: `result` (`errno` is its name, derived again on use).
    func result() throws(DecodingFailure) -> SyscallResult { SyscallResult(try int("result", as: Int64.self)) }

    /// `JSONBuilder.exitStatus`: `signal` non-null means killed (then `exit_code` is its negative).
    /// `exited` and `exit`: the status, the OOM killer's mark and the peak RSS figures (since
    /// 1.2; `peak_rss_includes_pre_exec` is derived from the two, so it is not read).
    func processEnd() throws(DecodingFailure) -> ProcessEnd {
        ProcessEnd(
            try exitStatus(), killedByOOM: try flag("oom_killed"), peakRSSBytes: try optionalInt("peak_rss_bytes"),
            imagePeakRSSBytes: try optionalInt("image_peak_rss_bytes"), io: try processIO())
    }

    func exitStatus() throws(DecodingFailure) -> ExitStatus {
        let code = try int("exit_code", as: Int32.self)
        if let signal = try optionalInt("signal", as: Int32.self) {
            return .signaled(signal: signal, coreDumped: try bool("core_dumped"))
        }
        return ExitStatus(code: code, signal: nil)
    }

    /// `JSONBuilder.sample`.
    func sample() throws(DecodingFailure) -> PerfSample {
        var processes: [PerfSample.Process] = []
        for element in try array("processes") {
            let p = try JSONObjectReader(element, member: "processes")
            processes.append(
                PerfSample.Process(
                    processID: try p.int("pid"), name: try p.string("name"), cpuPercent: try p.double("cpu_pct"),
                    rssBytes: try p.int("rss_bytes"),
                    diskReadBytesPerSecond: try p.optionalDouble("disk_read_bytes_per_sec"),
                    diskWrittenBytesPerSecond: try p.optionalDouble("disk_written_bytes_per_sec"),
                    diskReadBytes: try p.optionalInt("disk_read_bytes"),
                    diskWrittenBytes: try p.optionalInt("disk_written_bytes")))
        }
        return PerfSample(
            processes: processes, processCount: try int("process_count"), totalCPUPercent: try double("total_cpu_pct"),
            totalRSSBytes: try int("total_rss_bytes"),
            totalDiskReadBytesPerSecond: try optionalDouble("total_disk_read_bytes_per_sec"),
            totalDiskWrittenBytesPerSecond: try optionalDouble("total_disk_written_bytes_per_sec"),
            cgroup: try value("cgroup_totals").map { (v) throws(DecodingFailure) in
                try JSONObjectReader(v, member: "cgroup_totals").cgroupTotals()
            })
    }

    /// The `cgroup_totals` object of a sample.
    func cgroupTotals() throws(DecodingFailure) -> CgroupTotals {
        CgroupTotals(
            cpuNanoseconds: try int("cpu_ns"), userCPUNanoseconds: try int("user_cpu_ns"),
            systemCPUNanoseconds: try int("system_cpu_ns"), cpuPercent: try double("cpu_pct"),
            memoryBytes: try optionalInt("memory_bytes"), taskCount: try optionalInt("task_count"),
            diskReadBytes: try optionalInt("disk_read_bytes"), diskWrittenBytes: try optionalInt("disk_written_bytes"))
    }

    /// `JSONBuilder.syscallSummary`.
    func syscallSummary() throws(DecodingFailure) -> SyscallSummary {
        var counts: [SyscallCount] = []
        for element in try array("syscalls") {
            let c = try JSONObjectReader(element, member: "syscalls")
            guard case .object(let members)? = c.value("errnos") else {
                throw DecodingFailure(member: "errnos", problem: "is missing or not an object")
            }
            var errnos: [String: UInt64] = [:]
            for member in members { errnos[member.key] = try JSONObjectReader([member]).int(member.key) }
            var histogram: [UInt64] = []
            for bucket in try c.array("histogram") {
                histogram.append(try JSONObjectReader([("histogram", bucket)]).int("histogram"))
            }
            counts.append(
                SyscallCount(
                    name: try c.string("name"), number: try c.int("nr"), calls: try c.int("calls"),
                    errors: try c.int("errors"), errnos: errnos, totalNs: try c.int("total_ns"),
                    minNs: try c.int("min_ns"), maxNs: try c.int("max_ns"), histogram: histogram))
        }
        return SyscallSummary(syscalls: counts, dropped: try int("dropped"))
    }

    /// `JSONBuilder.profile` (`avg_cpu` is derived from the others, so not read).
    func profile() throws(DecodingFailure) -> RunProfile {
        var profile = RunProfile(
            status: try exitStatus(), timedOut: try bool("timed_out"), wallNanoseconds: try int("wall_ns"),
            userCPUNanoseconds: try int("user_cpu_ns"), systemCPUNanoseconds: try int("system_cpu_ns"),
            peakRSSBytes: try int("peak_rss_bytes"), minorFaults: try int("minor_faults"),
            majorFaults: try int("major_faults"), voluntaryContextSwitches: try int("voluntary_ctx_switches"),
            involuntaryContextSwitches: try int("involuntary_ctx_switches"), sampleCount: try int("sample_count"),
            lostSubscriber: try int("lost_subscriber"), lostKernel: try int("lost_kernel"),
            containment: try optionalString("containment"), treeWallNanoseconds: try optionalInt("tree_wall_ns"))
        profile.killedByOOM = try flag("oom_killed")
        profile.lostExporter = try optionalInt("lost_exporter") ?? 0
        profile.lostWriter = try optionalInt("lost_writer") ?? 0
        if has("tree_user_cpu_ns") {
            var tree = TreeUsage()
            tree.userCPUNanoseconds = try int("tree_user_cpu_ns")
            tree.systemCPUNanoseconds = try int("tree_system_cpu_ns")
            tree.peakMemoryBytes = try optionalInt("tree_peak_memory_bytes")
            tree.peakProcesses = try optionalInt("tree_peak_processes")
            profile.tree = tree
        }
        return profile
    }

    /// `JSONBuilder.resolved`: nil when neither the path nor its unwalkable flag is there.
    func resolved(_ keys: JSONBuilder.ResolvedKeys) throws(DecodingFailure) -> ResolvedPath? {
        let path = keys.path.description
        let unwalkable = try flag(keys.unwalkable.description)
        guard has(path) || unwalkable else { return nil }
        let source: ResolvedPath.Source
        if keys.writesSource {
            guard let s = ResolvedPath.Source(rawValue: try string(keys.source.description)) else {
                throw DecodingFailure(member: keys.source.description, problem: "is not file, dirfd, cwd or as_passed")
            }
            source = s
        } else {
            source = .workingDirectory
        }
        return ResolvedPath(
            unwalkable ? ByteString(bytes: []) : try bytes(path, b64Key: keys.b64.description), source: source,
            truncated: try flag(keys.truncated.description), deleted: try flag(keys.deleted.description),
            outsideRoot: try flag(keys.outsideRoot.description), unwalkable: unwalkable)
    }

    /// `JSONBuilder.socketAddress`, by `family`.
    func socketAddress() throws(DecodingFailure) -> SocketAddress {
        let family = try string("family")
        switch family {
        case "inet": return .ipv4(address: try string("address"), port: try int("port"))
        case "inet6": return .ipv6(address: try string("address"), port: try int("port"))
        case "unix":
            return .unix(
                path: try captured(
                    "path", b64Key: "path_b64", truncatedKey: "path_truncated", unreadableKey: "path_unreadable"),
                abstract: try bool("abstract"))
        case "unknown": return .unreadable
        case "none": return .notRequested
        default:
            if let number = try optionalInt("family_number", as: UInt16.self) { return .other(family: number) }
            throw DecodingFailure(member: "family", problem: "names no family this reader knows (\(family))")
        }
    }
}
