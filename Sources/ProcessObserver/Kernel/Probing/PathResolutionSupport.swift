/// Whether the in-kernel path walk (`bpf/obs_path.bpf.h`) can run here: it reads the kernel
/// structures below through CO-RE, so each member must exist in the kernel's BTF. Without them
/// the object loads with `obs_resolve_paths` off and events carry paths only as passed.
struct PathResolutionSupport: Sendable, Hashable {
    /// The members the walk reads, as (struct, member). Keep in step with `bpf/obs_core.h`.
    static let requiredMembers: [(String, String)] = [
        ("dentry", "d_parent"), ("dentry", "d_name"), ("dentry", "d_hash"), ("qstr", "len"), ("qstr", "name"),
        ("qstr", "hash_len"), ("vfsmount", "mnt_root"), ("mount", "mnt_parent"),
        ("mount", "mnt_mountpoint"), ("mount", "mnt"), ("path", "mnt"), ("path", "dentry"), ("file", "f_path"),
        ("fdtable", "max_fds"), ("fdtable", "fd"), ("files_struct", "fdt"), ("fs_struct", "root"),
        ("fs_struct", "pwd"), ("task_struct", "fs"), ("task_struct", "files"), ("linux_binprm", "file"),
        ("linux_binprm", "filename"), ("linux_binprm", "interp"),
    ]

    /// The members this kernel lacks; empty when the walk can run.
    var missing: [String]

    static let available = PathResolutionSupport(missing: [])

    var available: Bool { missing.isEmpty }

    /// The clause the capability rows carry.
    var sentence: String {
        if available {
            return "absolute paths resolved in the kernel (a dentry walk at syscall exit)"
        }
        return "absolute paths are not resolved: the kernel's BTF lacks \(missing.joined(separator: ", ")), "
            + "which the in-kernel path walk reads"
    }

    static func probe(_ btf: KernelBTF) -> PathResolutionSupport {
        PathResolutionSupport(
            missing: requiredMembers.filter { !btf.hasMember($0.1, of: $0.0) }.map { "\($0.0).\($0.1)" })
    }
}
