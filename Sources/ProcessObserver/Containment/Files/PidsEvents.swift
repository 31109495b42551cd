/// A `pids.events` (v2, and the v1 pids controller): `max`, the forks refused because the cgroup
/// (or an ancestor, on v1) was at its `pids.max`. Linux 6.14+ adds `max.imposed` on v2, ignored.
///
/// v2 notifies a change as `EPOLLPRI` on the open file; the v1 file is never notified (measured
/// here), so `LimitWatch` polls it.
struct PidsEvents: Sendable, Hashable {
    var refusedForks: UInt64

    /// Parses the whole file; nil without a `max` number.
    init?(parsing bytes: [UInt8]) {
        guard let max = ProcText.value(of: "max", in: bytes) else { return nil }
        refusedForks = max
    }
}
