import Logging

/// Chooses and opens the kernel event source for a run.
enum KernelBackend {
    /// Opens a source for the kernel categories in `categories` that this machine supports.
    /// Returns nil when none of them is requested or supported.
    static func open(categories: Set<EventCategory>, logger: Logger) throws(ObserverError) -> (any KernelEventSource)? {
        nil
    }

    /// Probes each kernel category on this machine.
    static func probe() -> [CategoryCapability] {
        EventCategory.kernelCategories.sorted().map {
            CategoryCapability(
                category: $0, support: .unavailable, backend: "ebpf",
                reason: "the eBPF backend is not built yet", remedy: nil, missing: [])
        }
    }
}
