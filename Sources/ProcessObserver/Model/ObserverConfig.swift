/// What one subscriber wants to see, and how much it may buffer.
public struct ObserverConfig: Sendable, Hashable {
    /// The categories this subscriber receives. `lifecycle` is always included: it carries
    /// the run's start, exit, samples, losses and profile.
    public private(set) var categories: Set<EventCategory>
    /// Time between perf samples; nil (the default) turns sampling off.
    public var sampleInterval: Duration?
    /// How many processes a sample lists, busiest first. The totals always cover the whole tree.
    public var topProcesses: Int
    /// Events this subscriber may hold unread before new ones are dropped (and counted).
    public var bufferCapacity: Int
    /// Whether file, exec and unix-socket events carry absolute paths resolved in the kernel
    /// (`ResolvedPath`). On by default; off gives the cheapest run, with paths only as passed.
    /// A run resolves when any of its subscribers asks.
    public var resolvesPaths: Bool
    /// Whether a category this machine cannot serve makes the start throw
    /// (`ObserverError.Code.categoryUnavailable`) instead of running without it; see `strict()`.
    public private(set) var isStrict = false
    /// Whether this subscriber receives each process's syscall summary (`EventKind.syscalls`),
    /// counted in the kernel; see `summarizingSyscalls(_:)`. Off by default: counting puts a
    /// check on every syscall of the machine for the run's length.
    public private(set) var summarizesSyscalls = false
    /// Which file and network events this subscriber receives (`EventFilter`); none filtered by
    /// default. See `filtering(_:)`.
    public private(set) var filter = EventFilter()
    /// Whether the kernel counts the bytes and calls of every read, write, send and receive of
    /// the tree, per descriptor, and reports them when the descriptor is closed (`close` events of
    /// the file and network categories, `Docs/IO-AND-DNS.md`). On by default; off gives the
    /// cheapest run, whose I/O calls are not observed at all. A run counts when any subscriber
    /// observing files or the network asks. Exit events carry the process's I/O totals either way.
    public private(set) var countsIOBytes = true

    public static let defaultBufferCapacity = 65_536
    public static let defaultTopProcesses = 10

    public init(
        categories: Set<EventCategory> = [.lifecycle], sampleInterval: Duration? = nil,
        topProcesses: Int = ObserverConfig.defaultTopProcesses,
        bufferCapacity: Int = ObserverConfig.defaultBufferCapacity, resolvesPaths: Bool = true
    ) {
        self.resolvesPaths = resolvesPaths
        self.categories = categories.union([.lifecycle])
        self.sampleInterval = sampleInterval
        self.topProcesses = max(1, topProcesses)
        self.bufferCapacity = max(1, bufferCapacity)
    }

    /// Lifecycle events only: started, exited, lost, profile (and samples if an interval is set).
    public static func lifecycle() -> ObserverConfig { ObserverConfig() }

    /// Lifecycle plus the given categories.
    public static func lifecycle(_ categories: Set<EventCategory>) -> ObserverConfig {
        ObserverConfig(categories: categories)
    }

    /// Lifecycle plus the given categories.
    public static func lifecycle(_ categories: EventCategory...) -> ObserverConfig {
        ObserverConfig(categories: Set(categories))
    }

    /// Whether this subscriber receives events of `category`.
    public func observes(_ category: EventCategory) -> Bool { categories.contains(category) }

    /// A copy that also observes `category`.
    public func observing(_ category: EventCategory) -> ObserverConfig {
        var copy = self
        copy.categories.insert(category)
        return copy
    }

    /// A copy that samples every `interval` (nil or zero turns sampling off).
    public func sampling(every interval: Duration?) -> ObserverConfig {
        var copy = self
        copy.sampleInterval = (interval ?? .zero) > .zero ? interval : nil
        return copy
    }

    /// A copy that lists at most `count` processes per sample.
    public func top(_ count: Int) -> ObserverConfig {
        var copy = self
        copy.topProcesses = max(1, count)
        return copy
    }

    /// A copy that resolves absolute paths in the kernel, or does not.
    public func resolvingPaths(_ resolve: Bool) -> ObserverConfig {
        var copy = self
        copy.resolvesPaths = resolve
        return copy
    }

    /// A copy that refuses to run without every category it names: `spawn()` and `attach()` then
    /// throw `.categoryUnavailable`, naming each category this machine cannot serve with the
    /// probe's reason and remedy, before anything starts. Without it (the default), such a
    /// category is left out, and `ObserverSubscriber.observedCategories` says so.
    public func strict(_ strict: Bool = true) -> ObserverConfig {
        var copy = self
        copy.isStrict = strict
        return copy
    }

    /// A copy that receives the syscall summary of every process of the tree (strace's `-c`):
    /// `syscalls` events, of category `process` (which it observes from then on), one per process
    /// at its exit and one per process still running at the run's end. A run counts syscalls when
    /// any of its subscribers asks; only those that asked receive the summaries.
    public func summarizingSyscalls(_ summarize: Bool = true) -> ObserverConfig {
        var copy = self
        copy.summarizesSyscalls = summarize
        if summarize { copy.categories.insert(.process) }
        return copy
    }

    /// A copy that receives only the file and network events `filter` keeps (only the failed
    /// calls, only the slow ones, only some kinds); lifecycle and process events are never
    /// filtered. The run filters in the kernel, before the ring buffer, by the loosest filter
    /// of its subscribers (`EventFilter.loosest(_:)`): a filtered run costs less, and a
    /// subscriber that filters less still gets everything it asked for.
    public func filtering(_ filter: EventFilter) -> ObserverConfig {
        var copy = self
        copy.filter = filter
        return copy
    }

    /// A copy that counts I/O bytes per descriptor in the kernel, or does not (see
    /// `countsIOBytes`).
    public func countingIOBytes(_ count: Bool = true) -> ObserverConfig {
        var copy = self
        copy.countsIOBytes = count
        return copy
    }

    /// A copy with a buffer of `capacity` events.
    public func buffering(_ capacity: Int) -> ObserverConfig {
        var copy = self
        copy.bufferCapacity = max(1, capacity)
        return copy
    }
}
