/// A cgroup v2 `cgroup.events`: `populated 1` while the cgroup or a cgroup nested in it holds a
/// process, and `frozen 1` while it is frozen (`cgroup.freeze`). The kernel notifies a change of
/// either as `EPOLLPRI` on the open file, which is how the reaper learns a run's tree is gone.
///
/// `frozen` arrived with `cgroup.freeze` (Linux 5.2): nil before.
struct CgroupEvents: Sendable, Hashable {
    var populated: Bool
    var frozen: Bool?

    /// Parses the whole file; nil without a `populated` line holding 0 or 1.
    init?(parsing bytes: [UInt8]) {
        guard let populated = ProcText.value(of: "populated", in: bytes), populated <= 1 else { return nil }
        self.populated = populated == 1
        frozen = ProcText.value(of: "frozen", in: bytes).flatMap { $0 <= 1 ? $0 == 1 : nil }
    }

    init(populated: Bool, frozen: Bool?) {
        self.populated = populated
        self.frozen = frozen
    }
}
