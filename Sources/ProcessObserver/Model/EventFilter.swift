/// Which file and network events a subscriber receives: only the failed calls (strace's `-Z`),
/// only the calls slower than a threshold (`perf trace --duration`), only some kinds (strace's
/// `-e trace=`). Lifecycle and process events are never filtered.
///
/// The conditions combine: an event is kept when it passes every one that is set. A run filters
/// in the kernel, before the ring buffer, so a filtered run costs less: by the loosest filter of
/// its subscribers (`loosest(_:)`), each subscriber's own filter then applied exactly in user
/// space. The syscall summary, the profile and the `lost` accounting still count every call.
public struct EventFilter: Sendable, Hashable {
    /// Only calls that returned an error (a negative return, as the kernel returns it): a
    /// non-blocking `connect`'s `EINPROGRESS` included, as strace's `-Z` counts it.
    public var failedOnly: Bool
    /// Only calls that spent longer than this in the kernel (`duration_ns`, `sys_enter` to
    /// `sys_exit`); nil keeps every call.
    public var slowerThan: Duration?
    /// Only these kinds of file and network events; nil keeps every kind.
    public var kinds: Set<StreamedKind>?

    /// No filter: every event.
    public init(failedOnly: Bool = false, slowerThan: Duration? = nil, kinds: Set<StreamedKind>? = nil) {
        self.failedOnly = failedOnly
        self.slowerThan = slowerThan.flatMap { $0 > .zero ? $0 : nil }
        self.kinds = kinds
    }

    /// Whether any condition is set.
    public var isFiltering: Bool { failedOnly || slowerThan != nil || kinds != nil }

    /// `slowerThan` in nanoseconds (0 when unset): a call is kept when its `duration_ns` is
    /// greater. A threshold beyond 2^64 - 1 ns keeps nothing, as it should.
    public var slowerThanNs: UInt64 {
        guard let slowerThan else { return 0 }
        let (seconds, attoseconds) = slowerThan.components
        let ns = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return ns >= Double(UInt64.max) ? .max : UInt64(ns.rounded(.up))
    }

    /// Whether a run with this filter needs byte counting's `close` events: they report no call
    /// of their own (no result, no `duration_ns`), so `failedOnly` and `slowerThan` leave them
    /// out, and `kinds` keeps them only when it names `close`. A run whose kernel filter leaves
    /// them out does not count bytes at all, so it costs less, as a filter should.
    public var keepsCloseEvents: Bool {
        !failedOnly && slowerThan == nil && (kinds?.contains(StreamedKind(unchecked: "close")) ?? true)
    }

    /// Whether `event` passes: lifecycle and process events always do; a file or network event
    /// when it passes every condition set.
    public func keeps(_ event: borrowing ObserverEvent) -> Bool {
        guard event.category == .file || event.category == .network else { return true }
        if failedOnly, event.kind.result?.succeeded ?? true { return false }
        if slowerThan != nil, (event.durationNs ?? 0) <= slowerThanNs { return false }
        if let kinds, !kinds.contains(StreamedKind(unchecked: event.kind.name)) { return false }
        return true
    }

    /// A filter that keeps every event any of `filters` keeps (and maybe more): what a run asks
    /// the kernel for when its subscribers filter differently. No filters, or one that keeps
    /// everything, gives no filter.
    public static func loosest(_ filters: [EventFilter]) -> EventFilter {
        guard let first = filters.first else { return EventFilter() }
        var out = first
        for f in filters.dropFirst() {
            out.failedOnly = out.failedOnly && f.failedOnly
            out.slowerThan = (out.slowerThan != nil && f.slowerThan != nil) ? min(out.slowerThan!, f.slowerThan!) : nil
            out.kinds = (out.kinds != nil && f.kinds != nil) ? out.kinds!.union(f.kinds!) : nil
        }
        return out
    }
}

/// A kind of file or network event a filter can name (`open`, `connect`, …): the kinds the
/// kernel streams, `EventKind.name`.
public struct StreamedKind: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The kind's name, as `EventKind.name` and the JSON `kind` member write it.
    public let name: String

    /// The kind named `name`; nil when no file or network event has that kind.
    public init?(_ name: String) {
        guard Self.all.contains(where: { $0.name == name }) else { return nil }
        self.name = name
    }

    init(unchecked name: String) { self.name = name }

    /// Every kind of file and network event, in the order `EventKind` lists them.
    public static let all: [StreamedKind] = {
        var names: [String] = []
        for sc in ObservedSyscall.all where sc.category != .process {
            for kind in sc.kinds where !names.contains(kind) { names.append(kind) }
        }
        // Byte counting's descriptor ends (file and socket) and DNS exchanges: no syscall of
        // their own makes them, so they are named here.
        return (names + ["close", "dns"]).map(StreamedKind.init(unchecked:))
    }()

    public var description: String { name }
    public static func < (a: StreamedKind, b: StreamedKind) -> Bool { a.name < b.name }
}
