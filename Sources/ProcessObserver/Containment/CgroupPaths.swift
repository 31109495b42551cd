import Synchronization

/// Resolves cgroup v2 ids (what `bpf_get_current_cgroup_id()` returns: the inode number of the
/// cgroup's directory) to their paths in the hierarchy, once per id.
///
/// A miss walks the v2 hierarchy breadth-first, from this process's own cgroup (where runs
/// live) and then from the mount's root, comparing inode numbers, and caches every directory it
/// passes; at most `walkLimit` directories per miss, so a huge hierarchy costs a bounded walk.
/// An id not found (a cgroup removed meanwhile, or outside what this mount shows) is cached as
/// unknown. `resolve` and `remember` share one process-wide instance behind a lock; the value
/// itself is not thread-safe.
struct CgroupPaths {
    private static let shared = Mutex(CgroupPaths())

    /// The path of `id`, from the process-wide cache (walking the hierarchy on a miss).
    static func resolve(_ id: UInt64) -> String? { shared.withLock { $0.path(of: id) } }

    /// Records a cgroup this process made, so that its events resolve even after it is removed.
    static func remember(directory: String) {
        guard let id = Syscall.inode(directory) else { return }
        shared.withLock { paths in
            guard let mount = paths.mount, directory.hasPrefix(mount) else { return }
            paths.known[id] = .some(String(directory.dropFirst(mount.count)))
        }
    }

    private var known: [UInt64: String?] = [:]
    private let mount: String?
    private let own: String?
    static let walkLimit = 4096

    init(layout: CgroupLayout = .current()) {
        mount = layout.unified?.mountPoint
        own = layout.unified?.directory
    }

    mutating func path(of id: UInt64) -> String? {
        if let hit = known[id] { return hit }
        guard let mount else { return nil }
        for start in [own, mount].compactMap({ $0 }) where known[id] == nil {
            walk(from: start, mount: mount, looking: id)
        }
        if known[id] == nil { known[id] = .some(nil) }
        return known[id] ?? nil
    }

    private mutating func walk(from start: String, mount: String, looking id: UInt64) {
        var queue = [start]
        var visited = 0
        while !queue.isEmpty, visited < Self.walkLimit {
            let dir = queue.removeFirst()
            visited += 1
            if let inode = Syscall.inode(dir) {
                let relative = String(dir.dropFirst(mount.count))
                known[inode] = .some(relative.isEmpty ? "/" : relative)
                if inode == id { return }
            }
            for name in (try? Syscall.directoryNames(dir, directoriesOnly: true)) ?? [] {
                queue.append(dir + "/" + String(decoding: name, as: UTF8.self))
            }
        }
    }
}
