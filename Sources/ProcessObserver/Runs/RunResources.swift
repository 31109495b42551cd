import SystemPackage

/// Everything a run holds from the first step of its start: the subscribers' hub, the kernel
/// source, the cgroup it owns (or the one it attached to), the captured output pipes, and our
/// copies of the child's standard descriptors. One owner, so that a start that fails at any step
/// gives all of it back one way (`abandon()`), and a start that succeeds hands it whole to its
/// `RunSession`.
///
/// Used by one thread at a time: the starting thread until the session has it.
final class RunResources {
    let hub: EventHub?
    /// What a start that fails is said to have been doing, for `ObserverError`.
    let failure: String
    private(set) var kernel: (any KernelEventSource)?
    /// The run's own cgroup: handed back to `CgroupOwner` when the run ends or its start fails.
    private(set) var cgroup: RunCgroup?
    /// An existing cgroup the run attached to: released, never removed.
    private(set) var observed: ObservedCgroup?
    private(set) var captures: (OutputCapture?, OutputCapture?) = (nil, nil)
    /// Our copies of the child's standard descriptors: closed once the child has its own, or
    /// when the start fails.
    private var childEnds: [FileDescriptor] = []
    private var handedOver = false

    init(hub: EventHub?, failure: String) {
        self.hub = hub
        self.failure = failure
    }

    func own(cgroup: RunCgroup?) { self.cgroup = cgroup }
    func own(observed: ObservedCgroup) { self.observed = observed }
    func own(kernel: (any KernelEventSource)?) { self.kernel = kernel }
    func own(childEnd fd: FileDescriptor) { childEnds.append(fd) }
    func own(captures: (OutputCapture?, OutputCapture?)) { self.captures = captures }

    /// The categories the run serves: lifecycle, and the kernel categories its source loaded.
    var servedCategories: Set<EventCategory> { Set([.lifecycle]).union(kernel?.categories ?? []) }

    /// Throws `.categoryUnavailable` when a strict subscriber named a category the run cannot
    /// serve (call once the kernel source is open, or known to be none), naming each with the
    /// probe's reason and remedy; otherwise tells each subscriber what it observes.
    func serveCategories() throws(ObserverError) {
        guard let hub else { return }
        let missing = hub.strictlyMissing(served: servedCategories)
        guard missing.isEmpty else {
            let capabilities = ObserverCapabilities.negotiate()
            // One reason for the categories that share it (an unprivileged process: all of them).
            var reasons: [(reason: String, categories: [String])] = []
            var remedies: [String] = []
            for category in missing.sorted() {
                let capability = capabilities[category]
                if let i = reasons.firstIndex(where: { $0.reason == capability.reason }) {
                    reasons[i].categories.append(category.rawValue)
                } else {
                    reasons.append((capability.reason, [category.rawValue]))
                }
                if let remedy = capability.remedy, !remedies.contains(remedy) { remedies.append(remedy) }
            }
            let names = missing.sorted().map(\.rawValue)
            let why = reasons.map { "\($0.categories.joined(separator: " and ")): \($0.reason)" }
            throw ObserverError(
                .categoryUnavailable, failure: failure,
                reason: "a strict observer asked for \(names.joined(separator: " and ")), which this machine cannot "
                    + "serve (" + why.joined(separator: "; ") + ")",
                remedy: remedies.isEmpty ? nil : remedies.joined(separator: "; "))
        }
        hub.serve(servedCategories)
    }

    /// Closes our copies of the child's standard descriptors: the child has its own now.
    private func closeChildEnds() {
        for fd in childEnds { try? fd.close() }
        childEnds = []
    }

    /// The start succeeded: the session owns everything from here on.
    func handOver() {
        closeChildEnds()
        handedOver = true
    }

    /// The start failed: gives back everything made so far, in the opposite order, and ends the
    /// subscribers' streams with no event.
    func abandon() {
        precondition(!handedOver, "a run's resources were abandoned after its session took them")
        closeChildEnds()
        captures.0?.abandon()
        captures.1?.abandon()
        _ = kernel?.stop()
        KernelPreload.discard()
        if let cgroup, case .success(let owner) = CgroupOwner.shared { owner.finished(cgroup) }
        observed?.release()
        hub?.finish(profile: { _ in nil }, processID: 0)
        kernel = nil
        cgroup = nil
        observed = nil
        captures = (nil, nil)
    }

    /// Runs `body`; when it throws, abandons everything first.
    func abandoning<T>(_ body: () throws(ObserverError) -> T) throws(ObserverError) -> T {
        do {
            return try body()
        } catch {
            abandon()
            throw error
        }
    }
}
