import SystemPackage

/// One way of starting a run: spawning a child (`SpawnLaunch`), spawning it through the start
/// gate (`GatedSpawnLaunch`), attaching to a running process (`ProcessAttachLaunch`) or to an
/// existing cgroup (`CgroupAttachLaunch`). A launch does only what differs between them; the
/// `RunSession` it hands over to does the rest (the `started` events, the sampler, the reaper,
/// the closing), the same way for all four. Tests call a launch directly to get a process
/// started exactly as a run starts it.
protocol RunLaunch {
    /// Starts the run's root (or finds the attached one). On failure everything it made is
    /// undone and nothing is left running that it started.
    func launch() throws(ObserverError) -> LaunchedRun
}

/// What a launch hands to its `RunSession`.
struct LaunchedRun: Sendable {
    var root: RunRoot
    /// `CLOCK_MONOTONIC` when the root started (or observing began).
    var startNs: UInt64
    /// The `started` events to publish first: the spawned command, or what was running when
    /// observing began.
    var started: [ObserverEvent]
}
