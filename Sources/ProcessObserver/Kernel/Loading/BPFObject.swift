import CLibbpf
import CObserverBPF
import Synchronization
import SystemPackage

/// The embedded observer object (`bpf/observer.bpf.c`) opened, configured, loaded and
/// attached through libbpf. Owns every kernel object it creates; `close()` releases them all.
///
/// Not thread-safe: one owner configures and closes it; only map reads and writes (which are
/// syscalls on descriptors) may come from other threads.
final class BPFObject {
    /// How the syscall programs are attached.
    enum SyscallAttach: String, Sendable, Equatable {
        /// `tp/syscalls/sys_{enter,exit}_<name>`: only the observed syscalls pay; needs tracefs.
        case tracepoints
        /// `raw_tp/sys_enter` and `raw_tp/sys_exit`: no tracefs, but every syscall pays.
        case rawSyscalls
    }

    /// What to load.
    struct Options: Equatable {
        var categories: Set<EventCategory>
        var syscallAttach: SyscallAttach
        /// Ring buffer size in bytes (a power of two, at least a page).
        var ringBytes: UInt32 = UInt32(OBS_RING_BYTES)
        /// Queued bytes at which a record wakes the consumer.
        var wakeupBytes: UInt64 = UInt64(OBS_WAKEUP_BYTES)
        /// Resolve absolute paths in the kernel (`obs_resolve_paths`).
        var resolvePaths: Bool = true
        /// Observe this cgroup v2 (its id: the directory's inode number) and its descendants, by
        /// ancestry, instead of the tracked map (`obs_filter_cgroup_id`).
        var observedCgroupID: UInt64?
        /// Count every syscall of the tree in the kernel (`obs_syscall_summary`): the syscall
        /// programs then run for every syscall and pay the tracked check. Off, the verifier prunes
        /// the summary's code and an unobserved syscall leaves at the first lookup.
        var syscallSummary: Bool = false
        /// Which file and network records to send (`obs_filter_failed_only`,
        /// `obs_filter_slower_than_ns`, `obs_filter_kinds` and its syscall bitmap):
        /// `bpf/obs_filter.bpf.h`. Off, the verifier prunes the check.
        var filter = EventFilter()
        /// With `syscallSummary`: the number of possible CPUs when the kernel builds each
        /// process's summary record at its exit (`obs_sc_emit_cpus`; `SyscallSummaryReader`
        /// decides), 0 when user space reads the maps at the exit record.
        var summaryEmitCPUs: UInt32 = 0
        /// With `syscallSummary`: keep the start of a call the summary only counts in task-local
        /// storage (`obs_sc_task_start`, the map `obs_sc_start`; `SyscallSummaryReader` decides)
        /// instead of an `obs_inflight` entry. Off, `obs_sc_start` is not created, so a kernel
        /// without task storage loads the object.
        var summaryTaskStart: Bool = false
        /// Count the bytes and calls of every I/O call of the tree per descriptor, and send one
        /// close record per descriptor that did I/O (`obs_count_io`, `bpf/obs_io.bpf.h`): file
        /// closes with the file category, socket closes with the network category. Off, the
        /// I/O calls are not observed at all and the verifier prunes the counting.
        var countBytes: Bool = false

        /// The `obs_count_io` value these options load with.
        var countIOFlags: UInt32 {
            guard countBytes else { return 0 }
            return (categories.contains(.file) ? UInt32(OBS_COUNT_IO_FILES) : 0)
                | (categories.contains(.network) ? UInt32(OBS_COUNT_IO_SOCKETS) : 0)
        }
    }

    /// A failure, with libbpf's WARN/INFO log to classify it.
    struct Failure: Error {
        var step: String
        var errno: Int32
        var log: String
    }

    private(set) var object: OpaquePointer?
    private var links: [OpaquePointer] = []
    let options: Options

    /// The embedded object's bytes, decoded once and kept for the process's lifetime (libbpf
    /// reads the ELF in place until load).
    nonisolated(unsafe) static let image: UnsafeRawBufferPointer? = {
        guard EmbeddedBPFObjects.observerUnavailableReason == nil,
            let bytes = Base64.decode(EmbeddedBPFObjects.observer), !bytes.isEmpty
        else { return nil }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        buffer.copyBytes(from: bytes)
        return UnsafeRawBufferPointer(buffer)
    }()

    static var imageUnavailableReason: String? {
        if let reason = EmbeddedBPFObjects.observerUnavailableReason { return reason }
        return image == nil ? "the embedded eBPF object is empty or corrupt" : nil
    }

    /// The maps user space uses, by their `obs_records.h` names.
    static let mapNames = [
        OBS_MAP_EVENTS, OBS_MAP_TRACKED, OBS_MAP_INFLIGHT, OBS_MAP_SYSCALLS, OBS_MAP_COUNTERS, OBS_MAP_SC_PROCS,
        OBS_MAP_SC_STATS, OBS_MAP_SC_SPILL, OBS_MAP_SC_START, OBS_MAP_IO, OBS_MAP_IO_URING, OBS_MAP_TRACKED_BITS,
    ]
    /// The programs user space attaches. The raw syscall pair is absent where `obs_core.h`
    /// defines `OBS_NO_RAW_SYSCALLS`; the rest are always there.
    static let programNames = [
        OBS_PROG_TP_SYS_ENTER, OBS_PROG_TP_SYS_EXIT, OBS_PROG_RAW_SYS_ENTER, OBS_PROG_RAW_SYS_EXIT,
        OBS_PROG_SCHED_PROCESS_FORK, OBS_PROG_SCHED_PROCESS_EXEC, OBS_PROG_SCHED_PROCESS_EXIT,
    ]
    /// The read-only globals user space reads or sets.
    static let globalNames = [
        OBS_GLOBAL_ABI_VERSION, OBS_GLOBAL_WANT_PROCESS, OBS_GLOBAL_WAKEUP_BYTES, OBS_GLOBAL_RESOLVE_PATHS,
        OBS_GLOBAL_FILTER_CGROUP_ID, OBS_GLOBAL_OBSERVER_TGID, OBS_GLOBAL_SYSCALL_SUMMARY,
        OBS_GLOBAL_FILTER_FAILED_ONLY, OBS_GLOBAL_FILTER_SLOWER_THAN_NS, OBS_GLOBAL_FILTER_KINDS,
        OBS_GLOBAL_FILTER_SYSCALLS_LOW, OBS_GLOBAL_FILTER_SYSCALLS_HIGH, OBS_GLOBAL_SC_EMIT_CPUS,
        OBS_GLOBAL_COUNT_IO, OBS_GLOBAL_WANT_DNS, OBS_GLOBAL_SC_TASK_START,
    ]

    /// The step a contract-version mismatch fails at.
    static let contractCheckStep = "check the kernel contract version"

    /// Names of every map and program the object holds, for the contract test.
    var mapNamesInObject: [String] {
        var names: [String] = []
        var map = bpf_object__next_map(object, nil)
        while let m = map {
            names.append(String(cString: bpf_map__name(m)))
            map = bpf_object__next_map(object, m)
        }
        return names
    }

    var programNamesInObject: [String] {
        var names: [String] = []
        var prog = bpf_object__next_program(object, nil)
        while let p = prog {
            names.append(String(cString: bpf_program__name(p)))
            prog = bpf_object__next_program(object, p)
        }
        return names
    }

    /// Opens the embedded object, checks its contract version, and sets its read-only
    /// globals and autoload flags (`bpf_object__open_mem`: no bpf() call, works unprivileged).
    init(options: Options) throws(Failure) {
        self.options = options
        LibbpfLog.install()
        _ = LibbpfLog.take()
        guard let image = Self.image else {
            throw Failure(step: "open", errno: .execFormatError, log: Self.imageUnavailableReason ?? "")
        }
        if Syscall.environmentValue(Self.coreBTFVariable) != "vmlinux" {
            let fd = obs_min_core_btf(image.baseAddress, image.count)
            if fd >= 0 { coreBTF = FileDescriptor(rawValue: fd) }
        }
        try openAndConfigure(image)
    }

    /// The environment variable that makes loads relocate against the whole kernel BTF
    /// (`vmlinux`) instead of the minimal one `obs_min_core_btf` writes: for comparisons, and
    /// as a way out should the minimal one ever miss a type.
    static let coreBTFVariable = "OBS_CORE_BTF"

    /// The minimal kernel BTF the CO-RE relocations use (a memfd), until the load; nil when it
    /// could not be made (the load then parses the kernel's whole BTF, as libbpf does by itself).
    private var coreBTF: FileDescriptor?

    /// Loads that failed against the minimal BTF and succeeded against the whole kernel BTF:
    /// each is a defect of `obs_min_core_btf` (tests expect none).
    static var minimalBTFFallbacks: Int { fallbacks.load(ordering: .relaxed) }
    private static let fallbacks = Atomic<Int>(0)

    /// Opens the embedded object (`bpf_object__open_mem`: no bpf() call, works unprivileged),
    /// checks its contract version, and sets its read-only globals and autoload flags.
    private func openAndConfigure(_ image: UnsafeRawBufferPointer) throws(Failure) {
        var opts = bpf_object_open_opts()
        opts.sz = MemoryLayout<bpf_object_open_opts>.size
        let btfPath = coreBTF.map { "/proc/self/fd/\($0.rawValue)" }
        let obj = "observer".withCString { name -> OpaquePointer? in
            opts.object_name = name
            guard let btfPath else { return bpf_object__open_mem(image.baseAddress, image.count, &opts) }
            return btfPath.withCString { path in
                opts.btf_custom_path = path
                return bpf_object__open_mem(image.baseAddress, image.count, &opts)
            }
        }
        guard let obj else { throw Failure(step: "open", errno: Syscall.lastErrno, log: LibbpfLog.take()) }
        object = obj

        do throws(Failure) {
            let version = try rodata(OBS_GLOBAL_ABI_VERSION, as: UInt32.self)
            guard version == UInt32(OBS_ABI_VERSION) else {
                throw Failure(
                    step: Self.contractCheckStep, errno: .protocolError,
                    log: "the embedded eBPF object was built for kernel contract version \(version), and this "
                        + "library speaks version \(OBS_ABI_VERSION) (obs_records.h)")
            }
            let raw = options.syscallAttach == .rawSyscalls
            let wantsSyscalls =
                !ObservedSyscall.of(options.categories, countingBytes: options.countIOFlags != 0).isEmpty
                || options.syscallSummary
            try setAutoload(OBS_PROG_TP_SYS_ENTER, !raw && wantsSyscalls)
            try setAutoload(OBS_PROG_TP_SYS_EXIT, !raw && wantsSyscalls)
            try setAutoload(OBS_PROG_RAW_SYS_ENTER, raw && wantsSyscalls)
            try setAutoload(OBS_PROG_RAW_SYS_EXIT, raw && wantsSyscalls)
            let rc = bpf_map__set_max_entries(try map(OBS_MAP_EVENTS), options.ringBytes)
            if rc != 0 { throw Failure(step: "configure", errno: -rc, log: "sizing \(OBS_MAP_EVENTS)") }
            // The summary's entries (bpf/obs_maps.bpf.h): a few thousand preallocated, the rest
            // allocated on use; one preallocated entry each unless the summary is on.
            let summary = options.syscallSummary
            for (name, entries) in [
                (OBS_MAP_SC_STATS, summary ? SyscallSummaryReader.preallocatedEntries : 1),
                (OBS_MAP_SC_SPILL, summary ? SyscallSummaryReader.spillEntries : 1),
            ] {
                let rc = bpf_map__set_max_entries(try map(name), entries)
                if rc != 0 { throw Failure(step: "configure", errno: -rc, log: "sizing \(name)") }
            }
            if summary {
                let rc = bpf_map__set_map_flags(try map(OBS_MAP_SC_SPILL), UInt32(BPF_F_NO_PREALLOC))
                if rc != 0 { throw Failure(step: "configure", errno: -rc, log: "flagging \(OBS_MAP_SC_SPILL)") }
            }
            // Task storage only where it is used (5.11+): the programs' references to it are then
            // dead code, which the verifier removes.
            let taskStart = summary && options.summaryTaskStart
            let created = bpf_map__set_autocreate(try map(OBS_MAP_SC_START), taskStart)
            if created != 0 {
                throw Failure(step: "configure", errno: -created, log: "choosing whether to create \(OBS_MAP_SC_START)")
            }
            try setRodata(OBS_GLOBAL_WANT_PROCESS, UInt32(options.categories.contains(.process) ? 1 : 0))
            try setRodata(OBS_GLOBAL_WAKEUP_BYTES, options.wakeupBytes)
            try setRodata(OBS_GLOBAL_RESOLVE_PATHS, UInt32(options.resolvePaths ? 1 : 0))
            try setRodata(OBS_GLOBAL_OBSERVER_TGID, UInt32(bitPattern: Syscall.processID()))
            if let id = options.observedCgroupID { try setRodata(OBS_GLOBAL_FILTER_CGROUP_ID, id) }
            if options.syscallSummary {
                try setRodata(OBS_GLOBAL_SYSCALL_SUMMARY, UInt32(1))
                try setRodata(OBS_GLOBAL_SC_EMIT_CPUS, options.summaryEmitCPUs)
                if options.summaryTaskStart { try setRodata(OBS_GLOBAL_SC_TASK_START, UInt32(1)) }
            }
            if options.filter.failedOnly { try setRodata(OBS_GLOBAL_FILTER_FAILED_ONLY, UInt32(1)) }
            if options.filter.slowerThan != nil {
                try setRodata(OBS_GLOBAL_FILTER_SLOWER_THAN_NS, options.filter.slowerThanNs)
            }
            if let kinds = options.filter.kinds {
                let bits = ObservedSyscall.filterBitmap(kinds)
                try setRodata(OBS_GLOBAL_FILTER_KINDS, UInt32(1))
                try setRodata(OBS_GLOBAL_FILTER_SYSCALLS_LOW, bits.low)
                try setRodata(OBS_GLOBAL_FILTER_SYSCALLS_HIGH, bits.high)
            }
            if options.countIOFlags != 0 { try setRodata(OBS_GLOBAL_COUNT_IO, options.countIOFlags) }
            // DNS payloads are part of the network category (Docs/IO-AND-DNS.md).
            try setRodata(OBS_GLOBAL_WANT_DNS, UInt32(options.categories.contains(.network) ? 1 : 0))
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Switches a program on or off for the load. A program to load that the object lacks is
    /// a failure; one to leave out may be absent (the raw syscall pair on some architectures).
    private func setAutoload(_ name: String, _ load: Bool) throws(Failure) {
        guard let prog = bpf_object__find_program_by_name(object, name) else {
            if load {
                throw Failure(
                    step: "configure", errno: .noSuchFileOrDirectory,
                    log: "no program \(name) in the object")
            }
            return
        }
        bpf_program__set_autoload(prog, load)
    }

    /// The map named `name` (an `OBS_MAP_*` name). Its absence means the object and
    /// `obs_records.h` disagree: a failure, never a silent -1.
    func map(_ name: String) throws(Failure) -> OpaquePointer {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw Failure(step: "find map", errno: .noSuchFileOrDirectory, log: "no map \(name) in the eBPF object")
        }
        return map
    }

    /// The descriptor of map `name` (after load).
    func mapFD(_ name: String) throws(Failure) -> Int32 {
        let fd = bpf_map__fd(try map(name))
        if fd < 0 { throw Failure(step: "find map", errno: -fd, log: "map \(name) has no descriptor (not loaded)") }
        return fd
    }

    /// The `.rodata` bytes and where global `name` starts in them.
    private func rodataImage<T>(_ name: String, as: T.Type) throws(Failure) -> (
        map: OpaquePointer, bytes: [UInt8], offset: Int
    ) {
        let map = try map(OBS_MAP_RODATA)
        let offset = obs_bpf_rodata_offset(object, name)
        var size = 0
        guard offset >= 0, let initial = bpf_map__initial_value(map, &size),
            offset + MemoryLayout<T>.size <= size
        else { throw Failure(step: "configure", errno: .noSuchFileOrDirectory, log: "no read-only global \(name)") }
        return (map, [UInt8](UnsafeRawBufferPointer(start: initial, count: size)), offset)
    }

    /// The value of read-only global `name` as the object carries it (before load).
    func rodata<T: FixedWidthInteger>(_ name: String, as type: T.Type) throws(Failure) -> T {
        let image = try rodataImage(name, as: T.self)
        return image.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: image.offset, as: T.self) }
    }

    private func setRodata<T: FixedWidthInteger>(_ name: String, _ value: T) throws(Failure) {
        let (map, image, offset) = try rodataImage(name, as: T.self)
        let size = image.count
        var bytes = image
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: T.self) }
        let rc = bpf_map__set_initial_value(map, bytes, size)
        if rc != 0 { throw Failure(step: "configure", errno: -rc, log: "setting \(name) failed") }
    }

    /// Verifies and loads every program and creates the maps (`bpf(BPF_PROG_LOAD)`, `BPF_MAP_CREATE`).
    func load() throws(Failure) {
        defer { dropCoreBTF() }
        let rc = bpf_object__load(object)
        guard rc != 0 else { return }
        let failure = Failure(step: "load", errno: -rc, log: LibbpfLog.take())
        // Against the whole kernel BTF once more: a load that then succeeds is a defect of the
        // minimal BTF, counted; one that fails again fails for its own reasons.
        guard coreBTF != nil, let image = Self.image else { throw failure }
        if let object { bpf_object__close(object) }
        object = nil
        dropCoreBTF()
        try openAndConfigure(image)
        let again = bpf_object__load(object)
        if again != 0 { throw Failure(step: "load", errno: -again, log: LibbpfLog.take()) }
        Self.fallbacks.add(1, ordering: .relaxed)
    }

    private func dropCoreBTF() {
        try? coreBTF?.close()
        coreBTF = nil
    }

    /// Fills `obs_syscalls` with this architecture's numbers of the syscalls to observe.
    func enableSyscalls(_ syscalls: [ObservedSyscall]) throws(Failure) {
        let fd = try mapFD(OBS_MAP_SYSCALLS)
        for sc in syscalls {
            guard let nr = sc.number, nr >= 0, nr < OBS_MAX_SYSCALL_NR else { continue }
            var key = UInt32(nr)
            var value = sc.id
            if bpf_map_update_elem(fd, &key, &value, 0) != 0 {
                throw Failure(step: "configure", errno: Syscall.lastErrno, log: "\(OBS_MAP_SYSCALLS)[\(nr)]")
            }
        }
    }

    /// Attaches a raw tracepoint program (`bpf(BPF_RAW_TRACEPOINT_OPEN)`).
    func attachRaw(program: String, tracepoint: String) throws(Failure) {
        guard let prog = bpf_object__find_program_by_name(object, program) else {
            throw Failure(step: "attach \(tracepoint)", errno: .noSuchFileOrDirectory, log: "no program \(program)")
        }
        guard let link = bpf_program__attach_raw_tracepoint(prog, tracepoint) else {
            throw Failure(step: "attach raw_tp/\(tracepoint)", errno: Syscall.lastErrno, log: LibbpfLog.take())
        }
        links.append(link)
    }

    /// Attaches a classic tracepoint program (`perf_event_open` on tracefs's event id).
    func attachTracepoint(program: String, category: String, name: String) throws(Failure) {
        guard let prog = bpf_object__find_program_by_name(object, program) else {
            throw Failure(step: "attach \(name)", errno: .noSuchFileOrDirectory, log: "no program \(program)")
        }
        guard let link = bpf_program__attach_tracepoint(prog, category, name) else {
            throw Failure(step: "attach tp/\(category)/\(name)", errno: Syscall.lastErrno, log: LibbpfLog.take())
        }
        links.append(link)
    }

    /// The ids of the loaded programs (`bpf_prog_get_info_by_fd`), for leak checks.
    var programIDs: [UInt32] {
        var ids: [UInt32] = []
        var prog = bpf_object__next_program(object, nil)
        while let p = prog {
            let fd = bpf_program__fd(p)
            if fd >= 0 {
                var info = bpf_prog_info()
                var len = UInt32(MemoryLayout<bpf_prog_info>.size)
                if bpf_obj_get_info_by_fd(fd, &info, &len) == 0 { ids.append(info.id) }
            }
            prog = bpf_object__next_program(object, p)
        }
        return ids
    }

    /// Detaches every link and frees the object, its programs and maps. Idempotent.
    func close() {
        for link in links { bpf_link__destroy(link) }
        links = []
        if let object { bpf_object__close(object) }
        object = nil
        dropCoreBTF()
    }
}

extension BPFObject.Failure {
    /// A failure with a named errno (`.noSuchFileOrDirectory`, or `Syscall.lastErrno` right after
    /// a libbpf call that set it).
    init(step: String, errno: Errno, log: String) {
        self.init(step: step, errno: errno.rawValue, log: log)
    }
}
