/// Whether each spawned run can get a cgroup of its own: the `containment` row of the
/// capabilities.
///
/// `supported` with backend `cgroup2` when a run's cgroup could be made, entered and removed here
/// (the probe does exactly that once, beneath this process's own cgroup); otherwise `partial`
/// with backend `process-group`: runs still work, but control reaches only the root's process
/// group, which a descendant can leave with `setsid`, and the profile has no tree figures.
public struct ContainmentCapability: Sendable, Hashable {
    public var support: CapabilitySupport
    public var backend: String
    public var reason: String
    public var remedy: String?

    public init(support: CapabilitySupport, backend: String, reason: String, remedy: String? = nil) {
        self.support = support
        self.backend = backend
        self.reason = reason
        self.remedy = remedy
    }

    static func probe() -> ContainmentCapability {
        switch CgroupOwner.shared {
        case .success(let owner):
            let layout =
                owner.v1Directories.isEmpty
                ? ""
                : " (with a memory limit, also a cgroup v1 memory cgroup on this hybrid host, which gives its peak memory)"
            var moved = ""
            if !owner.movedForControllers.isEmpty {
                moved =
                    "; the observer moves itself into a leaf cgroup of its own while runs exist, so that its cgroup "
                    + "can pass \(owner.movedForControllers.joined(separator: ", ")) down to them (cgroup v2 allows "
                    + "no process in a cgroup that does)"
            }
            var unavailable = ""
            var remedy: String?
            if let note = owner.controllerNote {
                unavailable = "; cgroup v2 limits are unavailable: \(note)"
                remedy =
                    "Run obsctl as the only process of a delegated cgroup (systemd-run --scope -p Delegate=yes obsctl …)"
            }
            return ContainmentCapability(
                support: .supported, backend: "cgroup2",
                reason: "each run gets a cgroup v2 of its own under \(owner.parentDirectory), entered before its "
                    + "first instruction, so nothing it starts escapes\(layout)\(moved)\(unavailable)", remedy: remedy)
        case .failure(let error):
            return ContainmentCapability(
                support: .partial, backend: "process-group",
                reason: "runs are contained by their process group only, which a descendant can leave (setsid): "
                    + "\(error.failure) failed: \(error.cause)",
                remedy: error.remedy ?? CgroupOwner.remedy)
        }
    }
}
