/// A cgroup v1 `memory.oom_control`: whether the OOM killer is off for the cgroup
/// (`oom_kill_disable`), whether the cgroup is out of memory now (`under_oom`), and the processes
/// the OOM killer ended in it (`oom_kill`, Linux 4.13+). It is also the file an eventfd is
/// registered on (`cgroup.event_control`) to learn of an OOM as it happens (`LimitWatch`).
struct MemoryOOMControl: Sendable, Hashable {
    var oomKills: UInt64
    var underOOM: Bool

    /// Parses the whole file; nil without `oom_kill` or `under_oom` numbers.
    init?(parsing bytes: [UInt8]) {
        guard let kills = ProcText.value(of: "oom_kill", in: bytes),
            let under = ProcText.value(of: "under_oom", in: bytes)
        else { return nil }
        oomKills = kills
        underOOM = under != 0
    }
}
