import CLibbpf

/// Raw tracepoints the running kernel has, looked up as `btf_trace_<name>` in its BTF.
struct RawTracepoints {
    private let btf: OpaquePointer?
    /// Set when the kernel's BTF could not be loaded (the probe checked it exists first).
    let failure: ProbeOutcome?
    init() {
        btf = btf__load_vmlinux_btf()
        let e = Syscall.lastErrno.rawValue
        failure =
            btf == nil
            ? .failed(
                step: "reading the kernel BTF for its tracepoints",
                error: "btf__load_vmlinux_btf() failed with \(ErrnoName.name(of: e))") : nil
    }
    func has(_ name: String) -> Bool {
        guard let btf else { return false }
        return btf__find_by_name(btf, "btf_trace_\(name)") > 0
    }
    // The handle lives as long as one probe; btf__free releases it.
    func free() { btf__free(btf) }
}
