/// A cgroup v2 `cgroup.controllers` (the controllers the cgroup can use: its parent's
/// `cgroup.subtree_control`) or `cgroup.subtree_control` (those it passes to its children): the
/// same format, names separated by spaces on one line, empty when none.
struct CgroupControllers: Sendable, Hashable {
    var names: Set<String>

    /// Parses the whole file; nil when a name holds a byte that is not a lowercase letter, a digit
    /// or `_` (kernel controller names: `cpu`, `hugetlb`, `rdma`, `misc`, `perf_event`).
    init?(parsing bytes: [UInt8]) {
        var names: Set<String> = []
        for field in ProcText.fields(bytes[...]) {
            guard field.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F })
            else { return nil }
            names.insert(String(decoding: field, as: UTF8.self))
        }
        self.names = names
    }
}
