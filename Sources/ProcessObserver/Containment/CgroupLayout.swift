/// Where this process's cgroups are: the cgroup v2 directory it belongs to, and, on a hybrid
/// host, the directory of each cgroup v1 controller hierarchy it belongs to.
///
/// Found from `/proc/self/cgroup` (which cgroup, per hierarchy) and `/proc/self/mountinfo` (where
/// each hierarchy is mounted), never by assuming `/sys/fs/cgroup`: inside a container or a
/// systemd slice the observer's own cgroup is not the root, and runs must nest beneath it so they
/// stay inside whatever limits the caller is under.
///
/// Two layouts are common:
/// - **pure v2** (current distributions): one `cgroup2` mount, usually `/sys/fs/cgroup`, with the
///   controllers (memory, pids, cpu, io) in it;
/// - **hybrid** (older systemd defaults, and these machines): `cgroup2` at
///   `/sys/fs/cgroup/unified` with no controllers, and one `cgroup` (v1) mount per controller
///   (`/sys/fs/cgroup/memory`, `/sys/fs/cgroup/pids`, …).
struct CgroupLayout: Sendable, Hashable {
    /// One mounted hierarchy and this process's directory in it.
    struct Hierarchy: Sendable, Hashable {
        /// Where the hierarchy is mounted (`/sys/fs/cgroup/unified`).
        var mountPoint: String
        /// This process's cgroup, as `/proc/self/cgroup` names it (`/user.slice/session-2.scope`).
        var cgroupPath: String
        /// The directory of that cgroup (`/sys/fs/cgroup/unified/user.slice/session-2.scope`).
        var directory: String
    }

    /// The cgroup v2 hierarchy, when one is mounted and this process is in it.
    var unified: Hierarchy?
    /// cgroup v1 hierarchies by controller name (`memory`, `pids`, `cpu`, …), for the controllers
    /// that are mounted as v1 and that this process belongs to.
    var v1: [String: Hierarchy]

    enum Kind: String, Sendable, Hashable {
        /// cgroup v2 only (no v1 controller hierarchy mounted).
        case unified
        /// cgroup v2 for containment, v1 hierarchies for the controllers.
        case hybrid
        /// v1 hierarchies only: no cgroup2 mount.
        case legacy
        /// No cgroup hierarchy this process is in could be found.
        case none
    }

    var kind: Kind {
        switch (unified != nil, v1.isEmpty) {
        case (true, true): .unified
        case (true, false): .hybrid
        case (false, false): .legacy
        case (false, true): .none
        }
    }

    /// Parses the two files. Lines that do not parse are skipped; a hierarchy this process is
    /// not in, or that is not mounted, is left out.
    init(cgroupFile: String, mountInfo: String) {
        var v2Path: String?
        var v1Paths: [String: String] = [:]
        for line in cgroupFile.split(separator: "\n") {
            // hierarchy-ID:controller-list:cgroup-path
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[0] == "0" && parts[1].isEmpty {
                v2Path = path
            } else {
                for controller in parts[1].split(separator: ",") { v1Paths[String(controller)] = path }
            }
        }
        var unified: Hierarchy?
        var v1: [String: Hierarchy] = [:]
        for mount in mountInfo.split(separator: "\n").compactMap(MountInfoLine.init) {
            switch mount.fileSystemType {
            case "cgroup2":
                guard unified == nil, let path = v2Path, let directory = mount.directory(of: path) else { continue }
                unified = Hierarchy(mountPoint: mount.mountPoint, cgroupPath: path, directory: directory)
            case "cgroup":
                for option in mount.superOptions {
                    let controller = String(option)
                    guard v1[controller] == nil, let path = v1Paths[controller],
                        let directory = mount.directory(of: path)
                    else { continue }
                    v1[controller] = Hierarchy(mountPoint: mount.mountPoint, cgroupPath: path, directory: directory)
                }
            default:
                continue
            }
        }
        self.unified = unified
        self.v1 = v1
    }

    /// This process's layout; `.none` when the files cannot be read.
    static func current() -> CgroupLayout {
        CgroupLayout(
            cgroupFile: ProcFS.readText("/proc/self/cgroup") ?? "",
            mountInfo: ProcFS.readText("/proc/self/mountinfo") ?? "")
    }
}

/// One line of `/proc/<pid>/mountinfo` (proc(5)):
/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
struct MountInfoLine: Sendable, Hashable {
    /// The directory of the mounted file system that is the mount's root (`/` for a whole one).
    var root: String
    var mountPoint: String
    var fileSystemType: String
    var superOptions: [Substring]

    init?(_ line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        // id, parent, major:minor, root, mount point, options, optional fields…, "-", type, source,
        // super options.
        guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count else { return nil }
        root = Self.unescape(fields[3])
        mountPoint = Self.unescape(fields[4])
        fileSystemType = String(fields[dash + 1])
        superOptions = dash + 3 < fields.count ? fields[dash + 3].split(separator: ",") : []
    }

    /// The directory of `cgroupPath` under this mount, when the mount shows it: the path must lie
    /// under the mount's root (a mount of a sub-tree shows only that sub-tree).
    func directory(of cgroupPath: String) -> String? {
        let relative: Substring
        if root == "/" {
            relative = cgroupPath[...]
        } else if cgroupPath == root || cgroupPath.hasPrefix(root + "/") {
            relative = cgroupPath.dropFirst(root.count)
        } else {
            return nil
        }
        let trimmed = relative.drop { $0 == "/" }
        return trimmed.isEmpty ? mountPoint : (mountPoint == "/" ? "" : mountPoint) + "/" + trimmed
    }

    /// mountinfo escapes space, tab, newline and backslash as `\040`, `\011`, `\012`, `\134`.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
                let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
