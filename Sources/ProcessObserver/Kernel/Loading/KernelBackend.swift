import Logging
import SystemPackage

/// Chooses and opens the kernel event source for a run.
enum KernelBackend {
    /// Opens a source for the kernel categories in `categories` that this machine supports.
    /// Returns nil when none of them is requested or supported (lifecycle still works).
    ///
    /// Throws `.backendFailed` when the probe said the categories work but loading or attaching
    /// fails now.
    ///
    /// `trackingOnly` opens a source even when no kernel category is requested: process-tree
    /// tracking and the exit event alone (what attaching to a running process needs).
    /// `countingBytes` counts the I/O bytes of the tree per descriptor (`bpf/obs_io.bpf.h`).
    /// `observedCgroupID` makes the observed tree a cgroup's (by ancestry, in the kernel) instead
    /// of the tracked processes'.
    static func open(
        categories: Set<EventCategory>, resolvingPaths: Bool = true, logger: Logger, trackingOnly: Bool = false,
        observedCgroupID: UInt64? = nil, summarizingSyscalls: Bool = false, filter: EventFilter = EventFilter(),
        countingBytes: Bool = false
    ) throws(ObserverError) -> (any KernelEventSource)? {
        // A load started ahead that this run does not take is not left behind.
        defer { KernelPreload.discard() }
        let requested = categories.intersection(EventCategory.kernelCategories)
        guard !requested.isEmpty || trackingOnly else { return nil }
        let probe = KernelProbe.cached
        let usable = requested.filter { category in
            probe.capabilities.contains { $0.category == category && $0.support != .unavailable }
        }
        guard let attach = probe.syscallAttach, !usable.isEmpty || trackingOnly else {
            if let reason = probe.capabilities.first?.reason {
                logger.debug("eBPF categories unavailable: \(reason)")
            }
            return nil
        }
        do {
            return try EBPFEventSource(
                categories: usable, syscallAttach: attach, syscalls: probe.syscalls,
                resolvePaths: resolvingPaths && probe.pathResolution.available, observedCgroupID: observedCgroupID,
                syscallSummary: summarizingSyscalls, filter: filter, countBytes: countingBytes, logger: logger)
        } catch {
            throw loadFailure(error, categories: usable)
        }
    }

    /// A failed load or attach as the caller can act on it: a limit of this process or of the
    /// machine (descriptors, memory) named with its remedy, as a spawn names one; anything else
    /// classified from libbpf's errno and log.
    static func loadFailure(_ error: BPFObject.Failure, categories: Set<EventCategory>) -> ObserverError {
        var errno = Errno(rawValue: abs(error.errno))
        // libbpf does not always pass EMFILE on: a kernel BTF it could not open for want of a
        // descriptor is "no valid kernel BTF" (ESRCH), and by now it has closed what it opened.
        // A process this close to its limit could not have loaded the object anyway.
        if errno != .tooManyOpenFiles, nearDescriptorLimit() { errno = .tooManyOpenFiles }
        switch errno {
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noMemory:
            return ObserverError.resourceLimit(
                failure: loadingFailure(categories), call: "bpf (\(error.step))", errno: errno)
        default:
            let (reason, remedy) = KernelProbe.classify(error)
            return loadFailure(categories: categories, reason: reason, remedy: remedy)
        }
    }

    /// Descriptors the eBPF object holds while loaded (its maps, programs, links, the BTF and
    /// ring buffer), with room to spare: about 40 are open during a run of every category.
    static let descriptorsNeeded: UInt64 = 64

    /// Whether this process is within `descriptorsNeeded` of its descriptor limit (or cannot even
    /// list its descriptors for want of one).
    private static func nearDescriptorLimit() -> Bool {
        guard let limit = Syscall.descriptorLimit() else { return false }
        do {
            let open = try Syscall.directoryNames("/proc/self/fd").count
            return UInt64(open) + descriptorsNeeded >= limit
        } catch {
            return error == .tooManyOpenFiles
        }
    }

    private static func loadingFailure(_ categories: Set<EventCategory>) -> String {
        "loading the eBPF backend for \(categories.map(\.rawValue).sorted().joined(separator: ", "))"
    }

    /// The error a failed load is reported with: what failed, why, and what to do when there is
    /// something to do (the message is built by `ObserverError`, so no dangling ". ").
    static func loadFailure(categories: Set<EventCategory>, reason: String, remedy: String?) -> ObserverError {
        ObserverError(.backendFailed, failure: loadingFailure(categories), reason: reason, remedy: remedy)
    }

    /// Probes each kernel category on this machine (uncached with `verifyingLoad`;
    /// `ObserverCapabilities.negotiate()` caches). `conclusive` is false when the probe failed
    /// rather than found an answer.
    static func probe(verifyingLoad: Bool = true) -> (capabilities: [CategoryCapability], conclusive: Bool) {
        let probe = verifyingLoad ? KernelProbe.run() : KernelProbe.cached
        return (probe.capabilities, probe.conclusive)
    }
}
