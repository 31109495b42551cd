import CLibbpf
import CObserverBPF
import Logging
import SystemPackage

/// The eBPF kernel source: the loaded observer object, the tracked map, and the
/// `RingBufferReader` whose thread turns records into events.
final class EBPFEventSource: KernelEventSource, @unchecked Sendable {
    let categories: Set<EventCategory>
    let syscallAttach: BPFObject.SyscallAttach
    private let object: BPFObject
    private let trackedFD: Int32
    /// The tracked map's bits (`obs_tracked_bits`): set for each process tracked from here.
    private let trackedBits: TrackedBits
    private let countersFD: Int32
    private let syscallsFD: Int32
    private let enabledSyscalls: [ObservedSyscall]
    private let logger: Logger?
    private var reader: RingBufferReader?
    /// The syscall summary's maps, when the run counts syscalls.
    private var summary: SyscallSummaryReader?
    private var started = false
    private let lock = ConditionLock()
    private var stopped = false

    /// Opens, loads and attaches everything `categories` needs. Process-tree tracking is always
    /// attached (file and network events follow the tree too).
    init(
        categories: Set<EventCategory>, syscallAttach: BPFObject.SyscallAttach,
        syscalls available: [ObservedSyscall] = ObservedSyscall.every, ringBytes: UInt32 = UInt32(OBS_RING_BYTES),
        resolvePaths: Bool = true, observedCgroupID: UInt64? = nil, syscallSummary: Bool = false,
        filter: EventFilter = EventFilter(), countBytes: Bool = false, logger: Logger? = nil
    ) throws(BPFObject.Failure) {
        self.logger = logger
        let kernelCategories = categories.intersection(EventCategory.kernelCategories)
        self.categories = kernelCategories
        self.syscallAttach = syscallAttach
        let options = Self.options(
            categories: kernelCategories, syscallAttach: syscallAttach, ringBytes: ringBytes,
            resolvePaths: resolvePaths, observedCgroupID: observedCgroupID, syscallSummary: syscallSummary,
            filter: filter, countBytes: countBytes)
        // Loaded ahead, on another thread, when a start asked for exactly this (KernelPreload).
        if let preloaded = KernelPreload.take(options) {
            self.object = preloaded
        } else {
            let object = try BPFObject(options: options)
            self.object = object
            try object.load()
        }
        let object = self.object
        trackedFD = try object.mapFD(OBS_MAP_TRACKED)
        trackedBits = try TrackedBits(mapFD: object.mapFD(OBS_MAP_TRACKED_BITS))
        countersFD = try object.mapFD(OBS_MAP_COUNTERS)
        syscallsFD = try object.mapFD(OBS_MAP_SYSCALLS)
        let syscalls = ObservedSyscall.of(kernelCategories, countingBytes: options.countIOFlags != 0).filter {
            available.contains($0)
        }
        enabledSyscalls = syscalls
        try self.object.enableSyscalls(syscalls)
        for (program, tracepoint) in [
            (OBS_PROG_SCHED_PROCESS_FORK, "sched_process_fork"),
            (OBS_PROG_SCHED_PROCESS_EXEC, "sched_process_exec"),
            (OBS_PROG_SCHED_PROCESS_EXIT, "sched_process_exit"),
        ] {
            try object.attachRaw(program: program, tracepoint: tracepoint)
        }
        if syscallSummary {
            // Every syscall: the raw pair, or the classic tracepoints of every syscall at once
            // (raw_syscalls/sys_{enter,exit}, whose layout the tp programs read the same way).
            switch syscallAttach {
            case .tracepoints:
                try object.attachTracepoint(program: OBS_PROG_TP_SYS_ENTER, category: "raw_syscalls", name: "sys_enter")
                try object.attachTracepoint(program: OBS_PROG_TP_SYS_EXIT, category: "raw_syscalls", name: "sys_exit")
            case .rawSyscalls:
                try object.attachRaw(program: OBS_PROG_RAW_SYS_ENTER, tracepoint: "sys_enter")
                try object.attachRaw(program: OBS_PROG_RAW_SYS_EXIT, tracepoint: "sys_exit")
            }
        } else if !syscalls.isEmpty {
            switch syscallAttach {
            case .tracepoints:
                for sc in syscalls {
                    try object.attachTracepoint(
                        program: OBS_PROG_TP_SYS_ENTER, category: "syscalls", name: sc.enterTracepoint)
                    if sc.hasExitWork {
                        try object.attachTracepoint(
                            program: OBS_PROG_TP_SYS_EXIT, category: "syscalls", name: sc.exitTracepoint)
                    }
                }
            case .rawSyscalls:
                try object.attachRaw(program: OBS_PROG_RAW_SYS_ENTER, tracepoint: "sys_enter")
                try object.attachRaw(program: OBS_PROG_RAW_SYS_EXIT, tracepoint: "sys_exit")
            }
        }
        summary =
            syscallSummary
            ? SyscallSummaryReader(
                procsFD: try object.mapFD(OBS_MAP_SC_PROCS), statsFD: try object.mapFD(OBS_MAP_SC_STATS),
                spillFD: try object.mapFD(OBS_MAP_SC_SPILL)) : nil
        let consumer = RecordConsumer(decoder: RecordDecoder(categories: kernelCategories, resolvesPaths: resolvePaths))
        consumer.summary = summary
        consumer.summaryInKernel = options.summaryEmitCPUs > 0
        reader = try RingBufferReader(mapFD: object.mapFD(OBS_MAP_EVENTS), consumer: consumer)
    }

    deinit { _ = stop() }

    /// What a source for these categories loads (what `KernelPreload` must match to be taken).
    static func options(
        categories: Set<EventCategory>, syscallAttach: BPFObject.SyscallAttach,
        ringBytes: UInt32 = UInt32(OBS_RING_BYTES), resolvePaths: Bool, observedCgroupID: UInt64? = nil,
        syscallSummary: Bool = false, filter: EventFilter = EventFilter(), countBytes: Bool = false
    ) -> BPFObject.Options {
        .init(
            categories: categories, syscallAttach: syscallAttach, ringBytes: ringBytes,
            wakeupBytes: UInt64(min(UInt32(OBS_WAKEUP_BYTES), ringBytes / 4)), resolvePaths: resolvePaths,
            observedCgroupID: observedCgroupID, syscallSummary: syscallSummary,
            // Only file and network records are filtered: without them, no filter (so a preload
            // made without one matches).
            filter: categories.contains(.file) || categories.contains(.network) ? filter : EventFilter(),
            summaryEmitCPUs: syscallSummary ? SyscallSummaryReader.kernelEmitCPUs : 0,
            summaryTaskStart: syscallSummary && SyscallSummaryReader.taskStart,
            // A filter that leaves the close events out needs no counting (EventFilter.keepsCloseEvents).
            countBytes: countBytes && filter.keepsCloseEvents)
    }

    /// Inserts `processID` (a tgid) into the tracked map (`bpf(BPF_MAP_UPDATE_ELEM)`).
    func track(processID: Int32) throws(ObserverError) {
        try track(processID: processID, flags: 0)
    }

    /// Tracks a spawned child waiting at the start gate: its I/O there (reading the gate's pipe)
    /// is the observer's, not the command's, and is not counted until its exec.
    func trackGated(processID: Int32) throws(ObserverError) {
        try track(processID: processID, flags: UInt32(OBS_TRACKED_GATED))
    }

    private func track(processID: Int32, flags: UInt32) throws(ObserverError) {
        var key = UInt32(bitPattern: processID)
        var value = obs_tracked(parent_tgid: 0, flags: flags)
        // The bit first: from the map entry on, the programs must find it set.
        trackedBits.set(processID)
        if bpf_map_update_elem(trackedFD, &key, &value, 0) != 0 {
            let e = Syscall.lastErrno
            throw ObserverError(
                .backendFailed, failure: "tracking process \(processID) in the eBPF map",
                reason: e == .argListTooLong
                    ? "the tracked map is full (\(OBS_TRACKED_MAX) processes)" : "the kernel refused the update",
                call: "bpf(BPF_MAP_UPDATE_ELEM)", errno: e)
        }
    }

    /// Counts the syscalls of `processID`, already running (an attach), from now; a spawned
    /// process is counted from its exec without this.
    func startCountingSyscalls(processID: Int32) {
        summary?.startCounting(UInt32(bitPattern: processID))
    }

    /// Removes `processID` from the tracked map (for an attach that found the process gone).
    func untrack(processID: Int32) {
        var key = UInt32(bitPattern: processID)
        _ = bpf_map_delete_elem(trackedFD, &key)
    }

    func start(hub: EventHub, rootProcessID: Int32, onRootExit: (@Sendable (ProcessEnd) -> Void)?) {
        lock.withLock {
            guard !stopped, !started, let reader else { return }
            started = true
            reader.consumer.hub = hub
            reader.consumer.rootProcessID = rootProcessID
            reader.consumer.onRootExit = onRootExit
            reader.start()
        }
    }

    /// Stops the consumer, consumes what is left, reports the counters and leftovers, and
    /// releases the ring buffer, links, programs and maps.
    func stop() -> KernelSourceStats {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return finalStats }
        stopped = true
        reader?.stop()
        var stats = KernelSourceStats()
        let counters = readCounters()
        stats.emitted = counters.emitted
        stats.lost = counters.lost
        if let consumer = reader?.consumer {
            consumer.finishDNS()
            stats.malformed = consumer.malformed
            stats.lost += consumer.malformed
            if consumer.malformed > 0 {
                let message =
                    "Defect: \(consumer.malformed) kernel records broke the contract in obs_records.h and were "
                    + "dropped (reported as lost); the first: \(consumer.firstMalformed ?? "?"). Report it."
                logger?.error("\(message)")
            }
            // Losses no later record carried (the lost records were the last on their CPU).
            let unreported = counters.lost &- consumer.lostReported
            if unreported > 0 && counters.lost >= consumer.lostReported, let hub = consumer.hub {
                hub.publishKernelLoss(
                    unreported, timestampNs: Clock.monotonicNs(), processID: consumer.rootProcessID)
            }
            stats.delivered = consumer.delivered
            if let summary, let hub = consumer.hub { publishRemainingSummaries(summary, hub: hub) }
        }
        let uncountedIO = readCounter(OBS_COUNTER_IO_DROPPED)
        if uncountedIO > 0 {
            let message =
                "\(uncountedIO) I/O calls of the tree were not counted in any close event: the kernel's map of "
                + "\(OBS_IO_MAX) descriptors with I/O was full"
            logger?.warning("\(message)")
        }
        stats.leftoverTracked = leftoverTracked()
        reader?.free()
        reader = nil
        makeInert()
        trackedBits.close()
        BPFReleaser.release(object)
        finalStats = stats
        return stats
    }

    private var finalStats = KernelSourceStats()

    /// The summaries of the processes still counted at the end (alive, or their exit record
    /// lost), in process-id order, and a warning for processes the kernel could not count.
    private func publishRemainingSummaries(_ summary: SyscallSummaryReader, hub: EventHub) {
        let now = Clock.monotonicNs()
        for tgid in summary.remainingProcesses().sorted() {
            guard let counts = summary.take(tgid) else { continue }
            hub.publish(
                ObserverEvent(
                    timestampNs: now, category: .process, processID: Int32(bitPattern: tgid),
                    kind: .syscalls(counts)))
        }
        let uncounted = readCounter(OBS_COUNTER_SC_DROPPED_PROCS)
        if uncounted > 0 {
            let message =
                "\(uncounted) processes of the tree were not counted in the syscall summary: its map of "
                + "\(OBS_SC_PROCS_MAX) processes was full"
            logger?.warning("\(message)")
        }
    }

    /// Empties the syscall and tracked maps so every program returns at its first lookup
    /// until the links are destroyed in the background.
    private func makeInert() {
        var zero: UInt32 = 0
        for sc in enabledSyscalls {
            guard let nr = sc.number, nr >= 0 else { continue }
            var key = UInt32(nr)
            _ = bpf_map_update_elem(syscallsFD, &key, &zero, 0)
        }
        var key: UInt32 = 0
        while bpf_map_get_next_key(trackedFD, nil, &key) == 0 {
            if bpf_map_delete_elem(trackedFD, &key) != 0 { break }
        }
    }

    /// Sums the per-CPU counters (`bpf(BPF_MAP_LOOKUP_ELEM)` returns one value per possible CPU).
    private func readCounters() -> (emitted: UInt64, lost: UInt64) {
        (readCounter(OBS_COUNTER_EMITTED), readCounter(OBS_COUNTER_LOST))
    }

    private func readCounter(_ index: obs_counter) -> UInt64 {
        let cpus = Int(max(1, libbpf_num_possible_cpus()))
        var values = [UInt64](repeating: 0, count: cpus)
        var key = index.rawValue
        guard bpf_map_lookup_elem(countersFD, &key, &values) == 0 else { return 0 }
        return values.reduce(0, &+)
    }

    /// Tgids still in the tracked map whose process no longer exists: each is a defect (the
    /// exit tracepoint should have removed it). Live descendants are not listed.
    private func leftoverTracked() -> [Int32] {
        var out: [Int32] = []
        var key: UInt32 = 0
        var next: UInt32 = 0
        var first = true
        while true {
            let rc =
                first
                ? bpf_map_get_next_key(trackedFD, nil, &next) : bpf_map_get_next_key(trackedFD, &key, &next)
            if rc != 0 { break }
            first = false
            key = next
            let pid = Int32(bitPattern: next)
            if !Syscall.processExists(pid) { out.append(pid) }
        }
        return out.sorted()
    }

    /// Ids of the loaded programs, for leak checks.
    var programIDs: [UInt32] { lock.withLock { stopped ? [] : object.programIDs } }
}
