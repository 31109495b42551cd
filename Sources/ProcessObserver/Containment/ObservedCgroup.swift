/// Finds the directory of a cgroup v2 that a user names for `AttachedCgroup` / `--cgroup`.
enum ObservedCgroup {
    /// `path` as a directory of the mounted cgroup v2 hierarchy, or as a path in that hierarchy
    /// (`/system.slice/x.service`, as `/proc/<pid>/cgroup` and `systemctl status` show it).
    /// Throws `.invalidConfiguration` with what to name instead when it is neither.
    static func directory(of path: String, layout: CgroupLayout) throws(ObserverError) -> String {
        let failure = "attaching to the cgroup \(ByteString(path).shellQuoted)"
        guard let mount = layout.unified?.mountPoint else {
            throw ObserverError(
                .invalidConfiguration, failure: failure, reason: "no cgroup v2 hierarchy is mounted here",
                remedy: "Mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup/unified); --cgroup filters by cgroup v2")
        }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        var candidates: [String] = []
        if trimmed == mount || trimmed.hasPrefix(mount == "/" ? "/" : mount + "/") { candidates.append(trimmed) }
        let inHierarchy = trimmed.hasPrefix("/") ? trimmed : "/" + trimmed
        candidates.append(inHierarchy == "/" ? mount : (mount == "/" ? "" : mount) + inHierarchy)
        for candidate in candidates where Syscall.exists(candidate + "/cgroup.procs") {
            return candidate
        }
        let v1 = layout.v1.values.contains { path.hasPrefix($0.mountPoint + "/") || path == $0.mountPoint }
        throw ObserverError(
            .invalidConfiguration, failure: failure,
            reason: v1
                ? "it is in a cgroup v1 hierarchy, and the kernel filter follows cgroup v2"
                : "no such cgroup v2 (looked for \(candidates.map { ByteString($0 + "/cgroup.procs").shellQuoted }.joined(separator: " and ")))",
            remedy:
                "Name the cgroup's directory under \(mount), or its path as /proc/<pid>/cgroup shows it (the 0:: line)"
        )
    }
}
