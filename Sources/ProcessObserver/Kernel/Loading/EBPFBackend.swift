/// Process-wide switches of the eBPF backend.
package enum EBPFBackend {
    /// Echo libbpf's whole log (including the verifier's) to standard error; `obsctl --verbose`.
    package static var verbose: Bool {
        get { LibbpfLog.verbose }
        set { LibbpfLog.verbose = newValue }
    }

    /// Starts loading the eBPF object a spawned run observing `categories` will ask for, on a
    /// thread of its own, so that the load overlaps what a start does before it (see
    /// `KernelPreload`). For a caller that knows what it will observe before it negotiates
    /// capabilities (obsctl); the library's own spawn starts one as well. Unused, it is released
    /// by the next run's start or by `ObserverCleanup.waitForReleases()`.
    package static func preload(
        categories: Set<EventCategory>, resolvingPaths: Bool, summarizingSyscalls: Bool = false,
        filter: EventFilter = EventFilter(), countingIOBytes: Bool = true
    ) {
        KernelPreload.start(
            categories: categories, resolvePaths: resolvingPaths, syscallSummary: summarizingSyscalls, filter: filter,
            countBytes: countingIOBytes && !categories.isDisjoint(with: [.file, .network]))
    }

    /// Blocks until every eBPF object of finished runs is released. Runs end without waiting for
    /// that (each classic tracepoint link takes about 65 ms to close, see `Docs/CAPABILITIES.md`);
    /// the programs are inert meanwhile. Call this before counting the machine's loaded programs.
    /// Process exit releases them too.
    ///
    /// The kernel frees the programs themselves a little later (after an RCU grace period, about
    /// 250 ms here), on its own: `untilFreed` also waits for that, for leak checks that count the
    /// machine's loaded programs.
    package static func waitForReleases(untilFreed: Bool = false) {
        KernelPreload.discard()
        BPFReleaser.waitUntilIdle(untilFreed: untilFreed)
    }
}
