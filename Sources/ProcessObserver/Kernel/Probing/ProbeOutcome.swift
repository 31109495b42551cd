/// What one capability probe found, in cilium/ebpf's three outcomes.
///
/// `unsupported` is an answer about the machine and is cached; `failed` means the probe itself
/// could not find out (a file it needs could not be read, a library call failed) and is not an
/// answer: it is reported as `unavailable` with a reason that says so, and the next
/// `negotiate()` probes again.
enum ProbeOutcome: Sendable, Hashable {
    /// Nothing stands in the way.
    case available
    /// The machine or this process cannot do it; `reason` says why, `remedy` what would help.
    case unsupported(reason: String, remedy: String?)
    /// The probe could not decide: `step` is what it was doing, `error` what went wrong.
    case failed(step: String, error: String)

    /// Whether this is an answer worth caching.
    var isConclusive: Bool {
        if case .failed = self { return false }
        return true
    }

    /// The reason and remedy a category that is not available reports; nil when available.
    var unavailability: (reason: String, remedy: String?)? {
        switch self {
        case .available:
            return nil
        case .unsupported(let reason, let remedy):
            return (reason, remedy)
        case .failed(let step, let error):
            return (
                "the capability probe failed while \(step): \(error); this says nothing about what the machine "
                    + "supports", "Retry; if it persists, run obsctl --verbose capabilities and report the reason"
            )
        }
    }
}
