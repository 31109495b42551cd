/// A cgroup interface file that holds one number: `memory.current`, `memory.peak`,
/// `pids.current`, `pids.peak` (v2), `memory.usage_in_bytes`, `memory.max_usage_in_bytes` (v1).
/// (Limit files such as `pids.max` may hold `max` instead: they are written, never read.)
struct CgroupCounter: Sendable, Hashable {
    var value: UInt64

    /// Parses the whole file: one unsigned decimal and an optional newline; nil otherwise.
    init?(parsing bytes: [UInt8]) {
        let fields = ProcText.fields(bytes[...])
        guard fields.count == 1, let value = ProcText.unsigned(fields[0]) else { return nil }
        self.value = value
    }
}
