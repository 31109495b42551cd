import CLibbpf
import CObserverBPF
import ObserverTestSupport
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

extension KernelSuite {
    @Suite("Kernel: CO-RE against a minimal kernel BTF")
    struct CoreBTF {
        /// The structures `bpf/obs_core.h` declares: every one the programs read.
        static let read = [
            "task_struct", "mm_struct", "signal_struct", "percpu_counter", "qstr", "hlist_bl_node", "dentry",
            "vfsmount", "mount", "path", "file", "fdtable", "files_struct", "fs_struct", "linux_binprm", "pt_regs",
        ]

        @Test("the minimal BTF holds every structure the programs read, at a fraction of the kernel's size")
        func minimalHoldsWhatIsRead() throws {
            let image = try #require(BPFObject.image)
            let fd = obs_min_core_btf(image.baseAddress, image.count)
            try #require(fd >= 0, "obs_min_core_btf failed: \(ErrnoName.name(of: -fd))")
            defer { close(fd) }
            let btf = try #require(btf__parse("/proc/self/fd/\(fd)", nil))
            defer { btf__free(btf) }
            for name in Self.read {
                #expect(btf__find_by_name_kind(btf, name, UInt32(CLibbpf.BTF_KIND_STRUCT)) > 0, "\(name) is missing")
            }
            let size = lseek(fd, 0, SEEK_END)
            var kernelSize = stat()
            #expect(stat("/sys/kernel/btf/vmlinux", &kernelSize) == 0)
            #expect(
                size > 0 && size * 20 < Int(kernelSize.st_size), "minimal BTF \(size) B, kernel \(kernelSize.st_size) B"
            )
        }

        @Test("the object declares no kernel symbol: nothing makes libbpf parse the whole kernel BTF")
        func noExterns() throws {
            let image = try #require(BPFObject.image)
            var opts = bpf_object_open_opts()
            opts.sz = MemoryLayout<bpf_object_open_opts>.size
            let object = try #require(bpf_object__open_mem(image.baseAddress, image.count, &opts))
            defer { bpf_object__close(object) }
            let btf = try #require(bpf_object__btf(object))
            var externs: [String] = []
            for id in 1..<btf__type_cnt(btf) {
                guard let t = btf__type_by_id(btf, id), btf_is_func(t) else { continue }
                // The linkage of a FUNC: 2 is BTF_FUNC_EXTERN (a kfunc or ksym the kernel must resolve).
                if btf_vlen(t) == 2 {
                    externs.append(String(cString: btf__name_by_offset(btf, t.pointee.name_off)))
                }
            }
            #expect(externs == [])
        }

        @Test("a load relocates against the minimal BTF and never falls back to the kernel's", .requiresEBPF)
        func loadsWithoutFallback() throws {
            let fallbacks = BPFObject.minimalBTFFallbacks
            let object = try BPFObject(
                options: EBPFEventSource.options(
                    categories: [.file, .network, .process], syscallAttach: .rawSyscalls, resolvePaths: true))
            try object.load()
            #expect(!object.programIDs.isEmpty)
            object.close()
            #expect(BPFObject.minimalBTFFallbacks == fallbacks)
        }
    }
}
