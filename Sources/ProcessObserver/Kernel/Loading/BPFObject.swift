#if os(Linux)
    import CLibbpf
    import CObserverBPF
    import Glibc

    /// The embedded observer object (`bpf/observer.bpf.c`) opened, configured, loaded and
    /// attached through libbpf. Owns every kernel object it creates; `close()` releases them all.
    ///
    /// Not thread-safe: one owner configures and closes it; only map reads and writes (which are
    /// syscalls on descriptors) may come from other threads.
    final class BPFObject {
        /// How the syscall programs are attached.
        enum SyscallAttach: String, Sendable {
            /// `tp/syscalls/sys_{enter,exit}_<name>`: only the observed syscalls pay; needs tracefs.
            case tracepoints
            /// `raw_tp/sys_enter` and `raw_tp/sys_exit`: no tracefs, but every syscall pays.
            case rawSyscalls
        }

        /// What to load.
        struct Options {
            var categories: Set<EventCategory>
            var syscallAttach: SyscallAttach
            /// Ring buffer size in bytes (a power of two, at least a page).
            var ringBytes: UInt32 = 8 << 20
            /// Queued bytes at which a record wakes the consumer.
            var wakeupBytes: UInt64 = 256 << 10
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
        nonisolated(unsafe) private static let image: UnsafeRawBufferPointer? = {
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

        /// Opens the embedded object and sets its read-only globals and autoload flags.
        init(options: Options) throws(Failure) {
            self.options = options
            LibbpfLog.install()
            _ = LibbpfLog.take()
            guard let image = Self.image else {
                throw Failure(step: "open", errno: ENOEXEC, log: Self.imageUnavailableReason ?? "")
            }
            var opts = bpf_object_open_opts()
            opts.sz = MemoryLayout<bpf_object_open_opts>.size
            let obj = "observer".withCString { name -> OpaquePointer? in
                opts.object_name = name
                return bpf_object__open_mem(image.baseAddress, image.count, &opts)
            }
            guard let obj else { throw Failure(step: "open", errno: errno, log: LibbpfLog.take()) }
            object = obj

            let raw = options.syscallAttach == .rawSyscalls
            let wantsSyscalls = !ObservedSyscall.of(options.categories).isEmpty
            setAutoload("obs_tp_sys_enter", !raw && wantsSyscalls)
            setAutoload("obs_tp_sys_exit", !raw && wantsSyscalls)
            setAutoload("obs_raw_sys_enter", raw && wantsSyscalls)
            setAutoload("obs_raw_sys_exit", raw && wantsSyscalls)

            if let ring = bpf_object__find_map_by_name(obj, "obs_events") {
                bpf_map__set_max_entries(ring, options.ringBytes)
            }
            do {
                try setRodata("obs_want_process", UInt32(options.categories.contains(.process) ? 1 : 0))
                try setRodata("obs_wakeup_bytes", options.wakeupBytes)
            } catch {
                close()
                throw error
            }
        }

        deinit { close() }

        private func setAutoload(_ name: String, _ load: Bool) {
            guard let prog = bpf_object__find_program_by_name(object, name) else { return }
            bpf_program__set_autoload(prog, load)
        }

        private func setRodata<T: FixedWidthInteger>(_ name: String, _ value: T) throws(Failure) {
            guard let map = bpf_object__find_map_by_name(object, ".rodata") else {
                throw Failure(step: "configure", errno: ENOENT, log: "no .rodata map in the object")
            }
            let offset = obs_bpf_rodata_offset(object, name)
            var size = 0
            guard offset >= 0, let initial = bpf_map__initial_value(map, &size),
                offset + MemoryLayout<T>.size <= size
            else { throw Failure(step: "configure", errno: ENOENT, log: "no read-only global \(name)") }
            var bytes = [UInt8](UnsafeRawBufferPointer(start: initial, count: size))
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: T.self) }
            let rc = bpf_map__set_initial_value(map, bytes, size)
            if rc != 0 { throw Failure(step: "configure", errno: -rc, log: "setting \(name) failed") }
        }

        /// Verifies and loads every program and creates the maps (`bpf(BPF_PROG_LOAD)`, `BPF_MAP_CREATE`).
        func load() throws(Failure) {
            let rc = bpf_object__load(object)
            if rc != 0 { throw Failure(step: "load", errno: -rc, log: LibbpfLog.take()) }
        }

        func mapFD(_ name: String) -> Int32 {
            guard let map = bpf_object__find_map_by_name(object, name) else { return -1 }
            return bpf_map__fd(map)
        }

        /// Fills `obs_syscalls` with this architecture's numbers of the syscalls to observe.
        func enableSyscalls(_ syscalls: [ObservedSyscall]) throws(Failure) {
            let fd = mapFD("obs_syscalls")
            for sc in syscalls {
                guard let nr = sc.number, nr >= 0, nr < OBS_MAX_SYSCALL_NR else { continue }
                var key = UInt32(nr)
                var value = sc.id
                if bpf_map_update_elem(fd, &key, &value, 0) != 0 {
                    throw Failure(step: "configure", errno: errno, log: "obs_syscalls[\(nr)]")
                }
            }
        }

        /// Attaches a raw tracepoint program (`bpf(BPF_RAW_TRACEPOINT_OPEN)`).
        func attachRaw(program: String, tracepoint: String) throws(Failure) {
            guard let prog = bpf_object__find_program_by_name(object, program) else {
                throw Failure(step: "attach \(tracepoint)", errno: ENOENT, log: "no program \(program)")
            }
            guard let link = bpf_program__attach_raw_tracepoint(prog, tracepoint) else {
                throw Failure(step: "attach raw_tp/\(tracepoint)", errno: errno, log: LibbpfLog.take())
            }
            links.append(link)
        }

        /// Attaches a classic tracepoint program (`perf_event_open` on tracefs's event id).
        func attachTracepoint(program: String, category: String, name: String) throws(Failure) {
            guard let prog = bpf_object__find_program_by_name(object, program) else {
                throw Failure(step: "attach \(name)", errno: ENOENT, log: "no program \(program)")
            }
            guard let link = bpf_program__attach_tracepoint(prog, category, name) else {
                throw Failure(step: "attach tp/\(category)/\(name)", errno: errno, log: LibbpfLog.take())
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
        }
    }
#endif
