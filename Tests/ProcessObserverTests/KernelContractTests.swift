import CLibbpf
import CObserverBPF
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// Checks the built object against `obs_records.h` where no compiler can: the BPF side's map,
/// program and global names are C identifiers there, and the object carries `OBS_ABI_VERSION`.
/// Opening (`bpf_object__open_mem`) makes no bpf() call, so this runs without privileges.
@Suite("Kernel contract")
struct KernelContractTests {
    #if os(Linux)
        @Test("the embedded object opens without bpf() and carries this library's contract version")
        func abiVersion() throws {
            let object = try BPFObject(options: .init(categories: [], syscallAttach: .rawSyscalls))
            defer { object.close() }
            #expect(try object.rodata(OBS_GLOBAL_ABI_VERSION, as: UInt32.self) == UInt32(OBS_ABI_VERSION))
        }

        @Test("every map and program name the Swift side uses exists in the object, and nothing else does")
        func names() throws {
            let object = try BPFObject(options: .init(categories: [], syscallAttach: .rawSyscalls))
            defer { object.close() }
            let maps = Set(object.mapNamesInObject)
            // The object's own maps: the ones we use, the BPF-only scratch slots and path caches,
            // and its globals (libbpf names them "<object>.rodata" and "<object>.bss"; the first
            // is found as ".rodata").
            #expect(
                maps
                    == Set(
                        BPFObject.mapNames + [
                            "obs_scratch", "obs_walk", "obs_dir_cache", "obs_sc_zero", "obs_sc_scratch", "obs_sc_walk",
                            "obs_io_fds",
                            "obs_io_sweeps",
                            "observer.rodata",
                            "observer.bss",
                        ]))
            #expect(throws: Never.self) { _ = try object.map(OBS_MAP_RODATA) }
            #expect(object.programNamesInObject.sorted() == BPFObject.programNames.sorted())
            for global in BPFObject.globalNames {
                #expect(throws: Never.self, "\(global)") { _ = try object.rodata(global, as: UInt32.self) }
            }
        }

        @Test("the tracked map's bits: one per pid up to the kernel's PID_MAX_LIMIT, in an array user space can map")
        func trackedBits() throws {
            let object = try BPFObject(options: .init(categories: [], syscallAttach: .rawSyscalls))
            defer { object.close() }
            let bits = try object.map(OBS_MAP_TRACKED_BITS)
            #expect(bpf_map__type(bits) == BPF_MAP_TYPE_ARRAY)
            #expect(bpf_map__map_flags(bits) & UInt32(BPF_F_MMAPABLE) != 0)
            #expect(bpf_map__value_size(bits) == 8)
            #expect(Int(bpf_map__max_entries(bits)) * 64 == 4_194_304)  // PID_MAX_LIMIT on 64-bit
            #expect(TrackedBits.length == 512 << 10)
        }

        @Test(
            "the summary's maps: one preallocated entry each without the summary; with it 1 MiB of preallocated per-CPU values and 32 MiB at most allocated on use; the kernel builds the records where it can; the counted calls' task storage is created only when used"
        )
        func summarySizing() throws {
            let off = try BPFObject(options: .init(categories: [.process], syscallAttach: .rawSyscalls))
            defer { off.close() }
            for name in [OBS_MAP_SC_STATS, OBS_MAP_SC_SPILL] {
                #expect(bpf_map__max_entries(try off.map(name)) == 1, "\(name)")
                #expect(bpf_map__map_flags(try off.map(name)) & UInt32(BPF_F_NO_PREALLOC) == 0, "\(name)")
            }
            #expect(try off.rodata(OBS_GLOBAL_SC_EMIT_CPUS, as: UInt32.self) == 0)
            #expect(try off.rodata(OBS_GLOBAL_SC_TASK_START, as: UInt32.self) == 0)
            #expect(!bpf_map__autocreate(try off.map(OBS_MAP_SC_START)))
            var options = BPFObject.Options(categories: [.process], syscallAttach: .rawSyscalls)
            options.syscallSummary = true
            options.summaryEmitCPUs = 3
            options.summaryTaskStart = true
            let on = try BPFObject(options: options)
            defer { on.close() }
            let cpus = Int(libbpf_num_possible_cpus())
            let stats = try on.map(OBS_MAP_SC_STATS)
            #expect(Int(bpf_map__max_entries(stats)) == Int(SyscallSummaryReader.preallocatedEntries))
            #expect(Int(bpf_map__max_entries(stats)) == min(Int(OBS_SC_STATS_MAX), max(512, (1 << 20) / (256 * cpus))))
            #expect(bpf_map__map_flags(stats) & UInt32(BPF_F_NO_PREALLOC) == 0)
            let spill = try on.map(OBS_MAP_SC_SPILL)
            #expect(Int(bpf_map__max_entries(spill)) == Int(SyscallSummaryReader.spillEntries))
            #expect(
                Int(bpf_map__max_entries(spill)) == min(Int(OBS_SC_STATS_MAX), max(1024, (32 << 20) / (256 * cpus))))
            #expect(bpf_map__map_flags(spill) & UInt32(BPF_F_NO_PREALLOC) != 0)
            #expect(try on.rodata(OBS_GLOBAL_SC_EMIT_CPUS, as: UInt32.self) == 3)
            #expect(try on.rodata(OBS_GLOBAL_SC_TASK_START, as: UInt32.self) == 1)
            #expect(bpf_map__autocreate(try on.map(OBS_MAP_SC_START)))
            // The summary without task storage (OBS_SC_START=inflight, or a kernel before 5.11).
            options.summaryTaskStart = false
            let inflight = try BPFObject(options: options)
            defer { inflight.close() }
            #expect(try inflight.rodata(OBS_GLOBAL_SC_TASK_START, as: UInt32.self) == 0)
            #expect(!bpf_map__autocreate(try inflight.map(OBS_MAP_SC_START)))
        }

        @Test("a name missing from the object is a failure, not a descriptor of -1")
        func missingName() throws {
            let object = try BPFObject(options: .init(categories: [], syscallAttach: .rawSyscalls))
            defer { object.close() }
            let failure = #expect(throws: BPFObject.Failure.self) { try object.map("obs_trakced") }
            #expect(failure?.errno == ENOENT)
            #expect(failure?.log == "no map obs_trakced in the eBPF object")
        }

        @Test("a contract version mismatch is classified with a reason that names both versions")
        func mismatch() {
            let failure = BPFObject.Failure(
                step: BPFObject.contractCheckStep, errno: 71,
                log: "the embedded eBPF object was built for kernel contract version 0, and this library speaks "
                    + "version 1 (obs_records.h)")
            let classified = KernelProbe.classify(failure)
            #expect(classified.reason == failure.log)
            #expect(classified.remedy == "Rebuild the package: bpf/ and obs_records.h must come from the same checkout")
        }
    #endif

    @Test("the limits are the documented ones")
    func limits() {
        #expect(OBS_RING_BYTES == 8 << 20)
        #expect(OBS_WAKEUP_BYTES == 256 << 10)
        #expect(OBS_TRACKED_MAX == 65536)
        #expect(OBS_PATH_MAX == 4096)
        #expect(OBS_ARGV_MAX == 4096)
        #expect(OBS_ARG_MAX == 1024)
        #expect(OBS_ARGS_MAX == 64)
        #expect(OBS_SOCKADDR_MAX == 128)
        #expect(OBS_NAME_MAX == 255)
        #expect(OBS_WALK_STEPS_MAX == 2048)
        #expect(OBS_DIR_CACHE_MAX == 256)
        #expect(OBS_IO_MAX == 65536)
        #expect(OBS_IO_URING_MAX == 4096)
        #expect(OBS_THREADS_MAX == 4096)
        #expect(OBS_DNS_PAYLOAD_MAX == 1024)
        #expect(OBS_DNS_IOV_MAX == 4)
        #expect(OBS_DNS_MMSG_MAX == 4)
        #expect(OBS_DNS_PORT == 53)
    }

    @Test(
        "the size rule: each record up to the end of its data (argv, then the packed strings)",
        arguments: [
            (obs_exec_rec_size(0), 88), (obs_exec_rec_size(5), 93), (obs_exec_rec_size(16384), 16472),
            (obs_file_rec_size(0), 112), (obs_file_rec_size(12), 124), (obs_file_rec_size(16384), 16496),
            (obs_sock_rec_size(0), 224), (obs_sock_rec_size(4096), 4320),
            (obs_file_close_rec_size(0), 120), (obs_file_close_rec_size(17), 137), (obs_sock_close_rec_size(), 376),
            (obs_dns_rec_size(0), 120), (obs_dns_rec_size(1024), 1144),
        ] as [(UInt64, UInt64)])
    func sizeRule(size: UInt64, expected: UInt64) {
        #expect(size == expected)
    }
}
