/// What this machine can observe, found by probing it.
public struct ObserverCapabilities: Sendable, Hashable {
    /// One entry per category, in `EventCategory.allCases` order.
    public var categories: [CategoryCapability]
    /// Whether perf samples can be taken (`procfs` backend).
    public var sampling: SamplingCapability
    /// Whether each spawned run gets a cgroup of its own (`cgroup2`), or only its process group.
    public var containment: ContainmentCapability

    public subscript(_ category: EventCategory) -> CategoryCapability {
        categories.first { $0.category == category }!
    }

    /// Categories whose support is not `unavailable`.
    public var available: Set<EventCategory> {
        Set(categories.filter { $0.support != .unavailable }.map(\.category))
    }

    /// Probes the machine once per process and returns the cached result thereafter. A probe
    /// that failed (rather than found a category unsupported) is reported, as `unavailable` with
    /// a reason that says the probe failed and why, but not cached: the next call probes again.
    ///
    /// With `verifyingLoad` (the default) the probe also loads the embedded eBPF object once and
    /// releases it, so a category is only `supported` when its programs really load. Pass false
    /// when a run is about to load the object anyway (its own load is then the test, and a
    /// failure there is thrown as `ObserverError.backendFailed` with the same classified reason):
    /// that saves a whole load, about 50 ms, at start-up.
    public static func negotiate(verifyingLoad: Bool = true) -> ObserverCapabilities {
        (verifyingLoad ? verified : unverified).value(
            probe: { probeReportingConclusive(verifyingLoad: verifyingLoad) }, isConclusive: \.conclusive
        ).capabilities
    }

    private static let verified = ProbeCache<Probed>()
    private static let unverified = ProbeCache<Probed>()

    /// A probe's result and whether it was an answer (see `ProbeOutcome`).
    struct Probed: Sendable {
        var capabilities: ObserverCapabilities
        var conclusive: Bool
    }

    /// Probes now, without the cache.
    public static func probe() -> ObserverCapabilities { probe(verifyingLoad: true) }

    static func probe(verifyingLoad: Bool) -> ObserverCapabilities {
        probeReportingConclusive(verifyingLoad: verifyingLoad).capabilities
    }

    static func probeReportingConclusive(verifyingLoad: Bool) -> Probed {
        let kernel = KernelBackend.probe(verifyingLoad: verifyingLoad)
        var list = [
            CategoryCapability(
                category: .lifecycle, support: .supported, backend: "portable-lifecycle",
                reason: "started and exited come from our own spawn and reap (pidfd + wait4) path")
        ]
        list += kernel.capabilities
        list.sort { $0.category < $1.category }
        return Probed(
            capabilities: ObserverCapabilities(
                categories: list, sampling: SamplingCapability.probe(), containment: ContainmentCapability.probe()),
            conclusive: kernel.conclusive)
    }
}

/// Whether perf samples (CPU %, RSS, disk I/O) can be read.
public struct SamplingCapability: Sendable, Hashable {
    public var support: CapabilitySupport
    public var backend: String
    public var reason: String
    public var remedy: String?

    static func probe() -> SamplingCapability {
        let canStat = Syscall.isReadable("/proc/self/stat") && Syscall.isReadable("/proc/self/statm")
        let canIO = Syscall.isReadable("/proc/self/io")
        switch (canStat, canIO) {
        case (true, true):
            return SamplingCapability(
                support: .supported, backend: "procfs",
                reason: "CPU, RSS and disk I/O are read from /proc/<pid>/stat, statm and io")
        case (true, false):
            return SamplingCapability(
                support: .partial, backend: "procfs",
                reason: "/proc/<pid>/io cannot be read, so samples carry no disk I/O rates",
                remedy: "Enable CONFIG_TASK_IO_ACCOUNTING, or run with the privileges to read /proc/<pid>/io")
        default:
            return SamplingCapability(
                support: .unavailable, backend: "procfs", reason: "/proc cannot be read, so no samples can be taken",
                remedy: "Mount procfs at /proc (mount -t proc proc /proc)")
        }
    }
}
