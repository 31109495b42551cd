import CLibbpf
import SystemPackage

/// Releases eBPF objects off the caller's path.
///
/// Closing a classic tracepoint link (a perf event with a BPF program) costs one
/// `tracepoint_synchronize_unregister()` under the kernel's `event_mutex`: about 65 ms each
/// here, so about 2.5 s for the 38 syscall tracepoints of all categories, and closing them in
/// parallel does not help. A run must not wait for that: `EBPFEventSource.stop()` first makes
/// the programs inert (the tracked and syscall maps are emptied, so each program returns at its
/// first map lookup), then hands the object here, where one background thread destroys the
/// links and frees the programs and maps. `waitUntilIdle()` waits for that, for callers that
/// need the machine's program count back where it was (leak checks, a CLI about to exit).
enum BPFReleaser {
    private static let lock = ConditionLock()
    nonisolated(unsafe) private static var queue: [BPFObject] = []
    nonisolated(unsafe) private static var busy = false
    /// Program ids of closed objects, until the kernel no longer lists them.
    nonisolated(unsafe) private static var closedIDs: [UInt32] = []

    static func release(_ object: BPFObject) {
        lock.lock()
        queue.append(object)
        let start = !busy
        busy = true
        lock.unlock()
        if start { OSThread.detached(name: "obs-bpf-release") { drain() } }
    }

    /// Blocks until every object handed over so far is released.
    ///
    /// With `untilFreed`, also waits (bounded, 5 s) until the kernel no longer lists their
    /// programs: the links' release defers the programs' free past an RCU grace period (about
    /// 250 ms here), which needs no process to wait for it.
    static func waitUntilIdle(untilFreed: Bool = false) {
        lock.lock()
        while busy { lock.wait() }
        let ids = closedIDs
        if untilFreed { closedIDs = [] }
        lock.unlock()
        if untilFreed { waitUntilGone(ids) }
    }

    /// The kernel frees a detached program after an RCU grace period, not at close: wait
    /// (bounded, 5 s) until no id is found, so "released" means gone from `bpftool prog`.
    private static func waitUntilGone(_ ids: [UInt32]) {
        guard !ids.isEmpty else { return }
        let deadline = Clock.monotonicNs() + 5_000_000_000
        for id in ids {
            while Clock.monotonicNs() < deadline {
                let fd = bpf_prog_get_fd_by_id(id)
                if fd < 0 { break }
                try? FileDescriptor(rawValue: fd).close()
                Syscall.sleep(milliseconds: 1)
            }
        }
    }

    private static func drain() {
        while true {
            lock.lock()
            guard !queue.isEmpty else {
                busy = false
                lock.broadcast()
                lock.unlock()
                return
            }
            let object = queue.removeFirst()
            lock.unlock()
            let ids = object.programIDs
            object.close()
            lock.withLock { closedIDs = (closedIDs + ids).suffix(4096) }
        }
    }
}
