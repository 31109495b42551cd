/// A `cgroup.procs` (v2 and v1): the processes in the cgroup itself, one pid per line, in no
/// particular order (nested cgroups' processes are in their own files). A pid may be listed
/// after its process has exited, until it is reaped.
struct CgroupProcs: Sendable, Hashable {
    var processIDs: [Int32]

    /// Parses the whole file; nil when a line is not a pid. Empty: no process.
    init?(parsing bytes: [UInt8]) {
        var pids: [Int32] = []
        for line in bytes[...].split(separator: 0x0A) {
            guard let pid = ProcText.unsigned(line).flatMap(Int32.init(exactly:)) else { return nil }
            pids.append(pid)
        }
        processIDs = pids
    }
}
