/// Encodes events as JSON Lines: one compact object per event, snake_case keys, stable order.
///
/// `Docs/EVENTS.md` documents every member and `Docs/events.schema.json` is the schema the
/// tests validate `obsctl watch --json` output against.
///
/// Linux argv, paths and `comm` are byte strings, not necessarily UTF-8. Each is written as a
/// JSON string decoded as UTF-8 with every invalid sequence replaced by U+FFFD, and, only when the
/// bytes were not valid UTF-8, a sibling member `<key>_b64` carrying base64 of the exact bytes.
/// For `argv`, `argv_b64` is an array parallel to `argv` (every element encoded) present when any
/// element is invalid. A reader that wants exact bytes takes `<key>_b64` when present and the
/// UTF-8 of `<key>` otherwise: that round-trips every byte string.
///
/// ```swift
/// for event in subscriber { fputs(EventJSON.line(event), stdout) }
/// ```
public enum EventJSON {
    /// One event as a JSON object followed by `\n`.
    public static func line(_ event: ObserverEvent) -> String {
        JSONBuilder.string { json in
            encode(event, into: &json)
            json.append(UInt8(ascii: "\n"))
        }
    }

    /// Appends one event as a JSON object and `\n` to `buffer` (for writers that batch).
    ///
    /// Allocates nothing for an ordinary event once `buffer` has room: the line is formatted on
    /// the stack and copied in with one `append(contentsOf:)`.
    public static func append(_ event: ObserverEvent, to buffer: inout [UInt8]) {
        JSONBuilder.build { json in
            encode(event, into: &json)
            json.append(UInt8(ascii: "\n"))
        } _: {
            buffer.append(contentsOf: $0)
        }
    }

    static func encode(_ event: ObserverEvent, into json: inout JSONBuilder) {
        json.beginObject()
        json.member("seq", event.seq)
        json.member("ts_ns", event.timestampNs)
        json.key("time")
        RFC3339.appendQuoted(epochNanoseconds: event.wallClockNs, to: &json)
        json.member("category", event.category.rawValue)
        json.member("kind", event.kind.name)
        json.member("pid", event.processID)
        if let tid = event.threadID { json.member("tid", tid) }
        if let ppid = event.parentProcessID { json.member("ppid", ppid) }
        if let comm = event.command { json.bytes(comm, key: "comm", b64Key: "comm_b64") }
        if let id = event.cgroupID { json.member("cgroup_id", id) }
        if let path = event.cgroupPath { json.member("cgroup", path) }
        encodeKind(event.kind, into: &json)
        json.endObject()
    }

    private static func encodeKind(_ kind: EventKind, into json: inout JSONBuilder) {
        switch kind {
        case .started(let started):
            json.argv(started.argv)
            json.bytes(started.path, key: "path", b64Key: "path_b64")
        case .exited(let end), .exit(let end):
            json.exitStatus(end.status)
            if end.killedByOOM { json.member("oom_killed", true) }
            if let bytes = end.peakRSSBytes { json.member("peak_rss_bytes", bytes) }
            if let bytes = end.imagePeakRSSBytes { json.member("image_peak_rss_bytes", bytes) }
            if let folded = end.peakRSSIncludesPreExec { json.member("peak_rss_includes_pre_exec", folded) }
            if let io = end.io { json.processIO(io) }
        case .sample(let sample):
            json.sample(sample)
        case .lost(let lost):
            json.member("count", lost.count)
            json.member("source", lost.source.rawValue)
        case .limit(let limit):
            json.member("resource", limit.resource.rawValue)
            json.member("count", limit.count)
            json.member("limit", limit.limit)
        case .profile(let profile):
            json.profile(profile)
        case .syscalls(let summary):
            json.syscallSummary(summary)
        case .fork(let fork):
            json.member("child_pid", fork.childProcessID)
            json.member("parent_pid", fork.parentProcessID)
        case .exec(let exec):
            json.captured(
                exec.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            if let dirfd = exec.directoryFD { json.member("dirfd", dirfd) }
            json.resolved(exec.absolutePath, .absolute)
            json.resolved(exec.workingDirectory, .workingDirectory)
            json.argv(exec.argv)
            json.member("argv_truncated", exec.argvTruncated)
            json.result(exec.result)
        case .open(let open):
            json.captured(
                open.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            json.key("flags")
            json.beginArray()
            OpenFlags.forEachName(of: open.flags) { json.string($0) }
            json.endArray()
            if let mode = open.mode { json.member("mode", mode) }
            if let dirfd = open.directoryFD { json.member("dirfd", dirfd) }
            json.resolved(open.absolutePath, .absolute)
            json.result(open.result)
            if open.result.succeeded { json.member("fd", open.result.rawValue) }
        case .unlink(let op), .rmdir(let op), .mkdir(let op):
            json.captured(
                op.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            if let mode = op.mode { json.member("mode", mode) }
            if let dirfd = op.directoryFD { json.member("dirfd", dirfd) }
            json.resolved(op.absolutePath, .absolute)
            json.result(op.result)
        case .rename(let rename):
            json.captured(
                rename.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            json.captured(
                rename.newPath, key: "new_path", b64Key: "new_path_b64",
                truncatedKey: "new_path_truncated", unreadableKey: "new_path_unreadable")
            if let dirfd = rename.directoryFD { json.member("dirfd", dirfd) }
            if let dirfd = rename.newDirectoryFD { json.member("new_dirfd", dirfd) }
            json.resolved(rename.absolutePath, .absolute)
            json.resolved(rename.newAbsolutePath, .newAbsolute)
            json.result(rename.result)
        case .chdir(let change), .fchdir(let change):
            if let path = change.path {
                json.captured(
                    path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                    unreadableKey: "path_unreadable")
            }
            if let fd = change.fd { json.member("fd", fd) }
            json.resolved(change.absolutePath, .absolute)
            json.result(change.result)
        case .link(let link):
            json.captured(
                link.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            json.captured(
                link.newPath, key: "new_path", b64Key: "new_path_b64",
                truncatedKey: "new_path_truncated", unreadableKey: "new_path_unreadable")
            if let dirfd = link.directoryFD { json.member("dirfd", dirfd) }
            if let dirfd = link.newDirectoryFD { json.member("new_dirfd", dirfd) }
            if link.directoryFD != nil {
                json.key("flags")
                json.beginArray()
                for name in AtFlags.names(of: link.flags) { json.string(name) }
                json.endArray()
            }
            json.resolved(link.absolutePath, .absolute)
            json.resolved(link.newAbsolutePath, .newAbsolute)
            json.result(link.result)
        case .symlink(let symlink):
            json.captured(
                symlink.path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            json.captured(
                symlink.target, key: "target", b64Key: "target_b64", truncatedKey: "target_truncated",
                unreadableKey: "target_unreadable")
            if let dirfd = symlink.directoryFD { json.member("dirfd", dirfd) }
            json.resolved(symlink.absolutePath, .absolute)
            json.result(symlink.result)
        case .connect(let op), .accept(let op), .bind(let op):
            json.member("fd", op.fd)
            json.socketAddress(op.address)
            json.resolved(op.absolutePath, .absolute)
            json.result(op.result)
            if let name = op.peerName { json.member("peer_name", name) }
        case .listen(let listen):
            json.member("fd", listen.fd)
            json.member("backlog", listen.backlog)
            json.result(listen.result)
        case .close(let close):
            json.fileClose(close)
        case .socketClose(let close):
            json.socketClose(close)
        case .dns(let exchange):
            json.dnsExchange(exchange)
        }
    }
}

extension JSONBuilder {
    /// `key` as lossy UTF-8, plus `b64Key` with the exact bytes when they are not valid UTF-8.
    mutating func bytes(_ value: ByteString, key: StaticString, b64Key: StaticString) {
        // ASCII (nearly every path) is valid UTF-8 as it is: written without a String.
        let ascii = value.bytes.withUnsafeBufferPointer { utf8 in
            guard Self.isASCII(utf8) else { return false }
            self.key(key)
            string(utf8: utf8)
            return true
        }
        if ascii { return }
        member(key, value.string)
        if !value.isValidUTF8 { member(b64Key, Base64.encode(value.bytes)) }
    }

    /// Whether every byte is below 0x80: then the bytes are valid UTF-8 as they are.
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        return high < 0x80
    }

    /// A captured string and, only when set, its truncated and unreadable flags.
    mutating func captured(
        _ value: CapturedString, key: StaticString, b64Key: StaticString, truncatedKey: StaticString,
        unreadableKey: StaticString
    ) {
        bytes(value.value, key: key, b64Key: b64Key)
        if value.truncated { member(truncatedKey, true) }
        if value.unreadable { member(unreadableKey, true) }
    }

    /// The member names of one resolved path.
    struct ResolvedKeys {
        var path, b64, source, truncated, deleted, outsideRoot, unwalkable: StaticString
        /// The working directory is always walked: its source is not written.
        var writesSource = true
        static let absolute = ResolvedKeys(
            path: "abs_path", b64: "abs_path_b64", source: "abs_path_source", truncated: "abs_path_truncated",
            deleted: "abs_path_deleted", outsideRoot: "abs_path_outside_root", unwalkable: "abs_path_unwalkable")
        static let newAbsolute = ResolvedKeys(
            path: "new_abs_path", b64: "new_abs_path_b64", source: "new_abs_path_source",
            truncated: "new_abs_path_truncated", deleted: "new_abs_path_deleted",
            outsideRoot: "new_abs_path_outside_root", unwalkable: "new_abs_path_unwalkable")
        static let workingDirectory = ResolvedKeys(
            path: "cwd", b64: "cwd_b64", source: "cwd_source", truncated: "cwd_truncated", deleted: "cwd_deleted",
            outsideRoot: "cwd_outside_root", unwalkable: "cwd_unwalkable", writesSource: false)
    }

    /// A resolved path: the path (absent when unwalkable), its source (not for the working
    /// directory, which is always walked), and each flag only when set.
    mutating func resolved(_ path: ResolvedPath?, _ keys: ResolvedKeys) {
        guard let path else { return }
        if !path.unwalkable { bytes(path.value, key: keys.path, b64Key: keys.b64) }
        if keys.writesSource { member(keys.source, path.source.rawValue) }
        if path.truncated { member(keys.truncated, true) }
        if path.deleted { member(keys.deleted, true) }
        if path.outsideRoot { member(keys.outsideRoot, true) }
        if path.unwalkable { member(keys.unwalkable, true) }
    }

    /// `argv`, plus a parallel `argv_b64` when any argument is not valid UTF-8.
    mutating func argv(_ argv: [ByteString]) {
        key("argv")
        beginArray()
        var allValid = true
        for arg in argv {
            let ascii = arg.bytes.withUnsafeBufferPointer { utf8 in
                guard Self.isASCII(utf8) else { return false }
                string(utf8: utf8)
                return true
            }
            if !ascii {
                string(arg.string)
                if !arg.isValidUTF8 { allValid = false }
            }
        }
        endArray()
        if !allValid {
            key("argv_b64")
            beginArray()
            for arg in argv { string(Base64.encode(arg.bytes)) }
            endArray()
        }
    }

    /// `result`, plus `errno` (its symbolic name) when it is negative.
    mutating func result(_ result: SyscallResult) {
        member("result", result.rawValue)
        if let name = result.errnoName { member("errno", name) }
    }

    /// `exit_code` by the seed convention (negative signal number when signalled), `signal`
    /// (null for a normal exit) and `core_dumped`.
    mutating func exitStatus(_ status: ExitStatus) {
        member("exit_code", status.code)
        member("signal", orNull: status.signal)
        member("core_dumped", status.coreDumped)
    }

    /// `syscalls` (one object per syscall, in the summary's order) and `dropped`.
    mutating func syscallSummary(_ summary: SyscallSummary) {
        key("syscalls")
        beginArray()
        for count in summary.syscalls {
            beginObject()
            member("name", count.name)
            member("nr", count.number)
            member("calls", count.calls)
            member("errors", count.errors)
            key("errnos")
            beginObject()
            for (name, n) in count.errnos.sorted(by: { $0.key < $1.key }) {
                key(dynamic: name)
                int(n)
            }
            endObject()
            member("total_ns", count.totalNs)
            member("min_ns", count.minNs)
            member("max_ns", count.maxNs)
            key("histogram")
            beginArray()
            for n in count.histogram { int(n) }
            endArray()
            endObject()
        }
        endArray()
        member("dropped", summary.dropped)
    }

    mutating func sample(_ sample: PerfSample) {
        key("processes")
        beginArray()
        for p in sample.processes {
            beginObject()
            member("pid", p.processID)
            member("name", p.name)
            member("cpu_pct", p.cpuPercent)
            member("rss_bytes", p.rssBytes)
            if let r = p.diskReadBytesPerSecond { member("disk_read_bytes_per_sec", r) }
            if let w = p.diskWrittenBytesPerSecond { member("disk_written_bytes_per_sec", w) }
            if let r = p.diskReadBytes { member("disk_read_bytes", r) }
            if let w = p.diskWrittenBytes { member("disk_written_bytes", w) }
            endObject()
        }
        endArray()
        member("process_count", sample.processCount)
        member("total_cpu_pct", sample.totalCPUPercent)
        member("total_rss_bytes", sample.totalRSSBytes)
        if let r = sample.totalDiskReadBytesPerSecond { member("total_disk_read_bytes_per_sec", r) }
        if let w = sample.totalDiskWrittenBytesPerSecond { member("total_disk_written_bytes_per_sec", w) }
        if let cgroup = sample.cgroup {
            key("cgroup_totals")
            beginObject()
            member("cpu_ns", cgroup.cpuNanoseconds)
            member("user_cpu_ns", cgroup.userCPUNanoseconds)
            member("system_cpu_ns", cgroup.systemCPUNanoseconds)
            member("cpu_pct", cgroup.cpuPercent)
            if let m = cgroup.memoryBytes { member("memory_bytes", m) }
            if let t = cgroup.taskCount { member("task_count", t) }
            if let r = cgroup.diskReadBytes { member("disk_read_bytes", r) }
            if let w = cgroup.diskWrittenBytes { member("disk_written_bytes", w) }
            endObject()
        }
    }

    mutating func profile(_ profile: RunProfile) {
        exitStatus(profile.status)
        member("timed_out", profile.timedOut)
        member("wall_ns", profile.wallNanoseconds)
        member("user_cpu_ns", profile.userCPUNanoseconds)
        member("system_cpu_ns", profile.systemCPUNanoseconds)
        member("peak_rss_bytes", profile.peakRSSBytes)
        member("minor_faults", profile.minorFaults)
        member("major_faults", profile.majorFaults)
        member("voluntary_ctx_switches", profile.voluntaryContextSwitches)
        member("involuntary_ctx_switches", profile.involuntaryContextSwitches)
        member("sample_count", profile.sampleCount)
        member("avg_cpu", orNull: profile.avgCPU)
        member("lost_subscriber", profile.lostSubscriber)
        member("lost_kernel", profile.lostKernel)
        if profile.lostExporter > 0 { member("lost_exporter", profile.lostExporter) }
        if profile.lostWriter > 0 { member("lost_writer", profile.lostWriter) }
        if let containment = profile.containment { member("containment", containment) }
        if profile.killedByOOM { member("oom_killed", true) }
        if let treeWall = profile.treeWallNanoseconds { member("tree_wall_ns", treeWall) }
        if let tree = profile.tree {
            member("tree_user_cpu_ns", tree.userCPUNanoseconds)
            member("tree_system_cpu_ns", tree.systemCPUNanoseconds)
            member("tree_peak_memory_bytes", orNull: tree.peakMemoryBytes)
            member("tree_peak_processes", orNull: tree.peakProcesses)
        }
    }

    /// `family`, then `address` and `port` (inet, inet6), or `path` and `abstract` (unix).
    mutating func socketAddress(_ address: SocketAddress) {
        member("family", address.familyName)
        socketAddressMembers(address)
    }

    /// The members of `socketAddress(_:)` after `family`: a socket's `close` writes its peer's
    /// under the socket's own `family`.
    mutating func socketAddressMembers(_ address: SocketAddress) {
        switch address {
        case .ipv4(let addr, let port), .ipv6(let addr, let port):
            member("address", addr)
            member("port", port)
        case .unix(let path, let abstract):
            captured(
                path, key: "path", b64Key: "path_b64", truncatedKey: "path_truncated",
                unreadableKey: "path_unreadable")
            member("abstract", abstract)
        case .other(let family):
            member("family_number", family)
        case .unreadable:
            member("address_unreadable", true)
        case .notRequested:
            member("address_requested", false)
        }
    }
}
