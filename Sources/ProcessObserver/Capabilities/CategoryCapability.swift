/// How well this machine can serve a category.
public enum CapabilitySupport: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every event of the category is delivered.
    case supported
    /// Some events are delivered; `CategoryCapability.missing` names the others.
    case partial
    /// No event of the category is delivered; `reason` says why.
    case unavailable
}

/// One category's negotiated support, with the backend that serves it and why it is what it is.
public struct CategoryCapability: Sendable, Hashable {
    public var category: EventCategory
    public var support: CapabilitySupport
    /// The backend name: `portable-lifecycle`, `ebpf`, `procfs`, …
    public var backend: String
    /// A sentence: what works, or what is missing and why.
    public var reason: String
    /// What a user can do about it, when anything.
    public var remedy: String?
    /// The event kinds not delivered (for `partial`) — e.g. `["accept"]`.
    public var missing: [String]

    public init(
        category: EventCategory, support: CapabilitySupport, backend: String, reason: String,
        remedy: String? = nil, missing: [String] = []
    ) {
        self.category = category
        self.support = support
        self.backend = backend
        self.reason = reason
        self.remedy = remedy
        self.missing = missing
    }
}
