import SystemPackage

/// An existing cgroup v2 that a run attaches to (`AttachedCgroup`, `obsctl watch --cgroup`):
/// opened, never made, signalled or removed by us. `release()` closes its descriptors when the
/// run is over. A cgroup the observer makes for a run is a `RunCgroup`.
///
/// **Threads.** Immutable once opened: the reaper's thread (`isPopulated`), the sampler's
/// (`reading()`, `allProcesses()`) and the closing thread (`usage()`) read it at once; the
/// closing thread calls `release()` after the sampler is joined.
final class ObservedCgroup: WatchedCgroup, Sendable {
    let files: OpenCgroup
    /// When observing began, and the cgroup's `cpu.stat` then: what the run observed counts from.
    let baseline: CgroupBaseline

    private init(files: OpenCgroup, baseline: CgroupBaseline) {
        self.files = files
        self.baseline = baseline
    }

    /// Opens the cgroup v2 at `directory` (found with `directory(of:layout:)`); `failure` names
    /// the attach in the error.
    static func open(directory: String, failure: String) throws(ObserverError) -> ObservedCgroup {
        do {
            let descriptor = try FileDescriptor.open(
                FilePath(directory), .readOnly, options: [.directory, .closeOnExec])
            do {
                let events = try FileDescriptor.open(
                    FilePath(CgroupFile.events.path(in: directory)), .readOnly, options: [.closeOnExec])
                let cpu = CgroupFS.cpuStat(in: directory)
                return ObservedCgroup(
                    files: OpenCgroup(
                        directory: directory, descriptor: descriptor, events: events, cpuStatFile: nil,
                        statFile: nil, procsFile: nil, controllers: CgroupFS.controllers(in: directory),
                        v1Directories: [:]),
                    baseline: CgroupBaseline(startNs: Clock.monotonicNs(), origin: .attached(cpu)))
            } catch {
                try? descriptor.close()
                throw error
            }
        } catch {
            throw ObserverError.systemCall(
                .invalidConfiguration, failure: failure, call: "open", errno: error as? Errno ?? .ioError,
                reason: "the cgroup's directory or its cgroup.events could not be opened",
                remedy:
                    "Check the path, and that it is a cgroup v2 (not the hierarchy's root, which has no cgroup.events)")
        }
    }

    /// What the tree used while observed (`CgroupBaseline.usage(_:)`): the CPU since the attach,
    /// without the cgroup's peaks, which may predate it.
    func usage() -> TreeUsage { baseline.usage(files.totals(cpu: files.cpuStat())) }

    /// Closes the descriptors; the cgroup itself is left as it is.
    func release() { files.close() }

    /// Finds the directory of a cgroup v2 that a user names for `AttachedCgroup` / `--cgroup`.
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
        for candidate in candidates where Syscall.exists(CgroupFile.procs.path(in: candidate)) {
            return candidate
        }
        let v1 = layout.v1.values.contains { path.hasPrefix($0.mountPoint + "/") || path == $0.mountPoint }
        throw ObserverError(
            .invalidConfiguration, failure: failure,
            reason: v1
                ? "it is in a cgroup v1 hierarchy, and the kernel filter follows cgroup v2"
                : "no such cgroup v2 (looked for \(candidates.map { ByteString(CgroupFile.procs.path(in: $0)).shellQuoted }.joined(separator: " and ")))",
            remedy:
                "Name the cgroup's directory under \(mount), or its path as /proc/<pid>/cgroup shows it (the 0:: line)"
        )
    }
}
