/// Process-wide switches of the eBPF backend.
package enum EBPFBackend {
    /// Echo libbpf's whole log (including the verifier's) to standard error; `obsctl --verbose`.
    package static var verbose: Bool {
        get { LibbpfLog.verbose }
        set { LibbpfLog.verbose = newValue }
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
        BPFReleaser.waitUntilIdle(untilFreed: untilFreed)
    }
}
