/// A cgroup v2 `io.stat`, summed over its devices: the bytes the cgroup's tasks read from and
/// wrote to block devices, counted by the block layer as requests are issued (page-cache hits
/// and writes not yet written back count nothing; writeback is charged to the cgroup that
/// dirtied the pages).
///
/// The file exists only where the io controller is enabled for the cgroup. It has one line per
/// device the cgroup has used, `MAJ:MIN rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…`, and
/// may carry more `key=value` pairs (io.cost, debug statistics), ignored here. An empty file
/// (no I/O yet) is zero bytes each way. A device that goes away takes its counts with it, so the
/// sum can fall then.
struct CgroupIOStat: Sendable, Hashable {
    var readBytes: UInt64 = 0
    var writtenBytes: UInt64 = 0

    /// Parses the whole file; nil when a device line has no `rbytes` or `wbytes`, or a
    /// malformed one.
    init?(parsing bytes: [UInt8]) {
        for line in bytes[...].split(separator: 0x0A) {
            let fields = ProcText.fields(line)
            guard !fields.isEmpty else { continue }
            var read: UInt64?
            var written: UInt64?
            for pair in fields.dropFirst() {
                guard let equals = pair.firstIndex(of: 0x3D) else { return nil }
                let key = pair[..<equals]
                let value = pair[pair.index(after: equals)...]
                if ProcText.equals(key, "rbytes") {
                    guard let v = ProcText.unsigned(value) else { return nil }
                    read = v
                } else if ProcText.equals(key, "wbytes") {
                    guard let v = ProcText.unsigned(value) else { return nil }
                    written = v
                }
            }
            guard let read, let written else { return nil }
            readBytes &+= read
            writtenBytes &+= written
        }
    }
}
