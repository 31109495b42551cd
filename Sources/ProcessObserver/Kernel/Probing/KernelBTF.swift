import CLibbpf

/// The running kernel's BTF (`/sys/kernel/btf/vmlinux`): which raw tracepoints it has
/// (`btf_trace_<name>`) and which structure members the CO-RE reads of the programs rely on.
struct KernelBTF {
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

    /// Whether the raw tracepoint `name` exists.
    func has(_ name: String) -> Bool {
        guard let btf else { return false }
        return btf__find_by_name(btf, "btf_trace_\(name)") > 0
    }

    /// Whether `struct type` has a member `member`, directly or inside an anonymous struct or
    /// union member (where libbpf's CO-RE matching also finds it).
    func hasMember(_ member: String, of type: String) -> Bool {
        guard let btf else { return false }
        let id = btf__find_by_name_kind(btf, type, UInt32(BTF_KIND_STRUCT))
        guard id > 0 else { return false }
        return hasMember(member, in: UInt32(id), depth: 0)
    }

    private func hasMember(_ member: String, in id: UInt32, depth: Int) -> Bool {
        guard let btf, depth < 4, let type = btf__type_by_id(btf, id) else { return false }
        let kind = UInt32(btf_kind(type))
        guard kind == UInt32(BTF_KIND_STRUCT) || kind == UInt32(BTF_KIND_UNION), let members = btf_members(type)
        else { return false }
        for i in 0..<Int(btf_vlen(type)) {
            let m = members + i
            let name = btf__name_by_offset(btf, m.pointee.name_off).map { String(cString: $0) } ?? ""
            if name == member { return true }
            if name.isEmpty {
                let resolved = btf__resolve_type(btf, m.pointee.type)
                if resolved > 0, hasMember(member, in: UInt32(resolved), depth: depth + 1) { return true }
            }
        }
        return false
    }

    // The handle lives as long as one probe; btf__free releases it.
    func free() { btf__free(btf) }
}
