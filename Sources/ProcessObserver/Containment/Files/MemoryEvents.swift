/// A cgroup v2 `memory.events`: how often the memory controller acted on the cgroup (and the
/// cgroups nested in it). Only `oom_kill` is used: the processes the OOM killer ended. The other
/// counters (`low`, `high`, `max`, `oom`, `oom_group_kill`, `sock_throttled`) are ignored.
///
/// The kernel notifies a change as `EPOLLPRI` on the open file (`LimitWatch`).
struct MemoryEvents: Sendable, Hashable {
    var oomKills: UInt64

    /// Parses the whole file; nil without an `oom_kill` number (Linux 4.13+ writes it).
    init?(parsing bytes: [UInt8]) {
        guard let kills = ProcText.value(of: "oom_kill", in: bytes) else { return nil }
        oomKills = kills
    }
}
