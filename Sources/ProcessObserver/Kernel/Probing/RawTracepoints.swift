#if os(Linux)
    import CLibbpf

    /// Raw tracepoints the running kernel has, looked up as `btf_trace_<name>` in its BTF.
    struct RawTracepoints {
        private let btf: OpaquePointer?
        init() { btf = btf__load_vmlinux_btf() }
        func has(_ name: String) -> Bool {
            guard let btf else { return false }
            return btf__find_by_name(btf, "btf_trace_\(name)") > 0
        }
        // The handle lives as long as one probe; btf__free releases it.
        func free() { btf__free(btf) }
    }
#endif
