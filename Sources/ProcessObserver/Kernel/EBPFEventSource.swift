#if os(Linux)
    import CLibbpf
    import CObserverBPF
    import Glibc
    import Synchronization
    import SystemPackage

    /// The eBPF kernel source: the loaded observer object, its ring buffer, and the consumer
    /// thread that turns records into events.
    ///
    /// The consumer is an `OSThread` that calls `ring_buffer__poll` with a short timeout and then
    /// `ring_buffer__consume`: records are submitted without a wakeup until `wakeupBytes` are
    /// queued (each wakeup is an IPI, about 4 µs in these VMs), so most batches are found by the
    /// timeout, and libbpf 1.1's poll only consumes rings epoll reported ready.
    final class EBPFEventSource: KernelEventSource, @unchecked Sendable {
        let categories: Set<EventCategory>
        let syscallAttach: BPFObject.SyscallAttach
        private let object: BPFObject
        private let trackedFD: Int32
        private let countersFD: Int32
        private let enabledSyscalls: [ObservedSyscall]
        private var ring: OpaquePointer?
        private var consumer: Consumer?
        private var thread: OSThread?
        private let stopping = StopFlag()
        private let lock = ConditionLock()
        private var stopped = false

        /// How long one poll waits before consuming what the producers queued without a wakeup.
        static let pollTimeoutMs: Int32 = 10

        /// Opens, loads and attaches everything `categories` needs. Process-tree tracking is always
        /// attached (file and network events follow the tree too).
        init(
            categories: Set<EventCategory>, syscallAttach: BPFObject.SyscallAttach,
            syscalls available: [ObservedSyscall] = ObservedSyscall.all, ringBytes: UInt32 = 8 << 20
        ) throws(BPFObject.Failure) {
            let kernelCategories = categories.intersection(EventCategory.kernelCategories)
            self.categories = kernelCategories
            self.syscallAttach = syscallAttach
            let object = try BPFObject(
                options: .init(
                    categories: kernelCategories, syscallAttach: syscallAttach, ringBytes: ringBytes,
                    wakeupBytes: UInt64(min(256 << 10, ringBytes / 4))))
            self.object = object
            try object.load()
            trackedFD = object.mapFD("obs_tracked")
            countersFD = object.mapFD("obs_counters")
            let syscalls = ObservedSyscall.of(kernelCategories).filter { available.contains($0) }
            enabledSyscalls = syscalls
            try object.enableSyscalls(syscalls)
            for tp in ["sched_process_fork", "sched_process_exec", "sched_process_exit"] {
                try object.attachRaw(program: "obs_\(tp)", tracepoint: tp)
            }
            if !syscalls.isEmpty {
                switch syscallAttach {
                case .tracepoints:
                    for sc in syscalls {
                        try object.attachTracepoint(
                            program: "obs_tp_sys_enter", category: "syscalls", name: sc.enterTracepoint)
                        try object.attachTracepoint(
                            program: "obs_tp_sys_exit", category: "syscalls", name: sc.exitTracepoint)
                    }
                case .rawSyscalls:
                    try object.attachRaw(program: "obs_raw_sys_enter", tracepoint: "sys_enter")
                    try object.attachRaw(program: "obs_raw_sys_exit", tracepoint: "sys_exit")
                }
            }
            let consumer = Consumer(decoder: RecordDecoder(categories: kernelCategories))
            var opts = ring_buffer_opts()
            opts.sz = MemoryLayout<ring_buffer_opts>.size
            guard
                let ring = ring_buffer__new(
                    object.mapFD("obs_events"),
                    { ctx, data, size in
                        guard let ctx, let data else { return 0 }
                        Unmanaged<Consumer>.fromOpaque(ctx).takeUnretainedValue().handle(data, size: size)
                        return 0
                    }, Unmanaged.passUnretained(consumer).toOpaque(), &opts)
            else {
                throw BPFObject.Failure(step: "ring_buffer__new", errno: errno, log: LibbpfLog.take())
            }
            self.ring = ring
            self.consumer = consumer
        }

        deinit { _ = stop() }

        /// Inserts `processID` (a tgid) into the tracked map (`bpf(BPF_MAP_UPDATE_ELEM)`).
        func track(processID: Int32) throws(ObserverError) {
            var key = UInt32(bitPattern: processID)
            var value = obs_tracked(parent_tgid: 0, reserved: 0)
            if bpf_map_update_elem(trackedFD, &key, &value, 0) != 0 {
                let e = Errno(rawValue: errno)
                throw ObserverError(
                    .backendFailed, failure: "tracking process \(processID) in the eBPF map",
                    reason: e == .argListTooLong
                        ? "the tracked map is full (65,536 processes)" : "the kernel refused the update",
                    call: "bpf(BPF_MAP_UPDATE_ELEM)", errno: e)
            }
        }

        /// Removes `processID` from the tracked map (for an attach that found the process gone).
        func untrack(processID: Int32) {
            var key = UInt32(bitPattern: processID)
            _ = bpf_map_delete_elem(trackedFD, &key)
        }

        func start(hub: EventHub, rootProcessID: Int32, onRootExit: (@Sendable (ExitStatus) -> Void)?) {
            lock.withLock {
                guard !stopped, thread == nil, let consumer, let ring else { return }
                consumer.hub = hub
                consumer.rootProcessID = rootProcessID
                consumer.onRootExit = onRootExit
                let stopping = self.stopping
                nonisolated(unsafe) let rb = ring
                thread = OSThread(name: "obs-ringbuf") {
                    while !stopping.value.load(ordering: .acquiring) {
                        _ = ring_buffer__poll(rb, EBPFEventSource.pollTimeoutMs)
                        _ = ring_buffer__consume(rb)
                    }
                }
            }
        }

        /// Stops the consumer, consumes what is left, reports the counters and leftovers, and
        /// releases the ring buffer, links, programs and maps.
        func stop() -> KernelSourceStats {
            lock.lock()
            defer { lock.unlock() }
            if stopped { return finalStats }
            stopped = true
            stopping.value.store(true, ordering: .releasing)
            thread?.join()
            thread = nil
            var stats = KernelSourceStats()
            if let ring {
                _ = ring_buffer__consume(ring)
            }
            let counters = readCounters()
            stats.emitted = counters.emitted
            stats.lost = counters.lost
            if let consumer {
                // Losses no later record carried (the lost records were the last on their CPU).
                let unreported = counters.lost &- consumer.lostReported
                if unreported > 0 && counters.lost >= consumer.lostReported, let hub = consumer.hub {
                    hub.publishKernelLoss(
                        unreported, timestampNs: Clock.monotonicNs(), processID: consumer.rootProcessID)
                }
                stats.delivered = consumer.delivered
            }
            stats.leftoverTracked = leftoverTracked()
            if let ring { ring_buffer__free(ring) }
            ring = nil
            consumer = nil
            makeInert()
            BPFReleaser.release(object)
            finalStats = stats
            return stats
        }

        private var finalStats = KernelSourceStats()

        /// Empties the syscall and tracked maps so every program returns at its first lookup
        /// until the links are destroyed in the background.
        private func makeInert() {
            let syscallsFD = object.mapFD("obs_syscalls")
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
            let cpus = Int(max(1, libbpf_num_possible_cpus()))
            var values = [UInt64](repeating: 0, count: cpus)
            func sum(_ index: obs_counter) -> UInt64 {
                var key = index.rawValue
                guard bpf_map_lookup_elem(countersFD, &key, &values) == 0 else { return 0 }
                return values.reduce(0, &+)
            }
            return (sum(OBS_COUNTER_EMITTED), sum(OBS_COUNTER_LOST))
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
                if kill(pid, 0) != 0 && errno == ESRCH { out.append(pid) }
            }
            return out.sorted()
        }

        /// Ids of the loaded programs, for leak checks.
        var programIDs: [UInt32] { lock.withLock { stopped ? [] : object.programIDs } }
    }

    /// Tells the consumer thread to return after its current poll.
    private final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// The consumer thread's state. Touched only by that thread while it runs, and by `stop()`
    /// after joining it.
    private final class Consumer {
        let decoder: RecordDecoder
        var hub: EventHub?
        var rootProcessID: Int32 = 0
        var onRootExit: (@Sendable (ExitStatus) -> Void)?
        var delivered: UInt64 = 0
        var lostReported: UInt64 = 0

        init(decoder: RecordDecoder) { self.decoder = decoder }

        func handle(_ data: UnsafeMutableRawPointer, size: Int) {
            delivered += 1
            guard let decoded = decoder.decode(UnsafeRawPointer(data), size: size) else { return }
            if decoded.lostBefore > 0 {
                lostReported += decoded.lostBefore
                hub?.publishKernelLoss(
                    decoded.lostBefore, timestampNs: decoded.event?.timestampNs ?? Clock.monotonicNs(),
                    processID: rootProcessID)
            }
            if let event = decoded.event { hub?.publish(event) }
            if let exit = decoded.exit, exit.processID == rootProcessID { onRootExit?(exit.status) }
        }
    }
#endif
