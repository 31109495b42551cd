import CObserverBPF

/// Loads the observer object on a thread of its own while the rest of a start goes on.
///
/// Loading is most of a run's start-up: libbpf parses the kernel's 5 MB of BTF, searches it once
/// per structure the programs read (about 1 ms each, some twenty of them), creates the maps and
/// has the verifier check the programs, about 35 ms here on one core. None of it depends on the
/// capability probe, the run's cgroup or the child's descriptors, which take another 15 ms or so
/// on the caller's thread: `start` begins the load with the options the run will most likely
/// ask for, and `EBPFEventSource` takes the loaded object when its options are exactly those.
/// Anything else (other options, a failed speculative load) is released and the run loads its
/// own object as before, so a miss costs time, never correctness: errors are always the run's.
///
/// One load is in flight at most. An object nobody takes is released by `discard()`, which a
/// failed start, `KernelBackend.open` and `ObserverCleanup.waitForReleases()` call, so no
/// program outlives the start that asked for it.
enum KernelPreload {
    private final class Slot: @unchecked Sendable {
        let options: BPFObject.Options
        var thread: OSThread?
        var object: BPFObject?
        init(options: BPFObject.Options) { self.options = options }
    }

    private static let lock = ConditionLock()
    nonisolated(unsafe) private static var slot: Slot?
    nonisolated(unsafe) private static var takenCount = 0

    /// How many runs took a preloaded object so far (to check that starts really overlap).
    static var taken: Int { lock.withLock { takenCount } }

    /// Starts loading an object with `options` unless one with the same options is in flight.
    /// Another one in flight is discarded first.
    static func start(_ options: BPFObject.Options) {
        let stale: Slot? = lock.withLock {
            if let slot, slot.options == options { return nil }
            let stale = slot
            let fresh = Slot(options: options)
            slot = fresh
            fresh.thread = OSThread(name: "obs-bpf-preload") {
                // A failure is dropped: the run's own load reports it.
                guard let object = try? BPFObject(options: options) else { return }
                do throws(BPFObject.Failure) {
                    try object.load()
                    fresh.object = object
                } catch {
                    object.close()
                }
            }
            return stale
        }
        if let stale { release(stale) }
    }

    /// The options a run spawned for `categories` will load with, as far as they are known
    /// before the probe: its syscall attachment is the one `OBS_SYSCALL_ATTACH` asks for, or raw
    /// tracepoints, the probe's choice wherever they exist.
    static func likelyOptions(
        categories: Set<EventCategory>, resolvePaths: Bool, syscallSummary: Bool = false,
        filter: EventFilter = EventFilter(), countBytes: Bool = false
    ) -> BPFObject.Options? {
        let kernel = categories.intersection(EventCategory.kernelCategories)
        guard !kernel.isEmpty, BPFObject.imageUnavailableReason == nil else { return nil }
        let attach: BPFObject.SyscallAttach =
            Syscall.environmentValue(KernelProbe.syscallAttachVariable) == "tracepoints" ? .tracepoints : .rawSyscalls
        return EBPFEventSource.options(
            categories: kernel, syscallAttach: attach, resolvePaths: resolvePaths, syscallSummary: syscallSummary,
            filter: filter, countBytes: countBytes)
    }

    /// Starts a load for a spawned run observing `categories`, when any of them is a kernel one.
    static func start(
        categories: Set<EventCategory>, resolvePaths: Bool, syscallSummary: Bool = false,
        filter: EventFilter = EventFilter(), countBytes: Bool = false
    ) {
        if let options = likelyOptions(
            categories: categories, resolvePaths: resolvePaths, syscallSummary: syscallSummary, filter: filter,
            countBytes: countBytes)
        {
            start(options)
        }
    }

    /// The loaded object when the one in flight has exactly `options` (waiting for its load to
    /// end), else nil; a load with other options is discarded.
    static func take(_ options: BPFObject.Options) -> BPFObject? {
        guard
            let taken = lock.withLock({ () -> Slot? in
                defer { slot = nil }
                return slot
            })
        else { return nil }
        taken.thread?.join()
        taken.thread = nil
        guard taken.options == options, let object = taken.object else {
            release(taken)
            return nil
        }
        lock.withLock { takenCount += 1 }
        return object
    }

    /// Releases the load in flight, if any, once it has ended.
    static func discard() {
        if let taken = lock.withLock({ () -> Slot? in
            defer { slot = nil }
            return slot
        }) {
            release(taken)
        }
    }

    private static func release(_ slot: Slot) {
        slot.thread?.join()
        slot.thread = nil
        if let object = slot.object { BPFReleaser.release(object) }
        slot.object = nil
    }
}
