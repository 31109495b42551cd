import ProcessObserver

/// What the run did to files, from the `file` events (`Docs/REPORT.md`, Files).
public struct FileActivity: Sendable, Hashable {
    /// Successful opens for reading only (access mode `O_RDONLY`), by path.
    public var read = PathCounts()
    /// Successful opens with write access (`O_WRONLY` or `O_RDWR`), by path.
    public var written = PathCounts()
    /// Of those, the opens with `O_CREAT` (or `O_TMPFILE`): the file may have been made. Also
    /// the names made by a successful link or symlink.
    public var created = PathCounts()
    /// Successful mkdir, by path.
    public var directoriesCreated = PathCounts()
    /// Successful renames, by `old → new`.
    public var renamed = PathCounts()
    /// Successful unlink and rmdir, by path.
    public var deleted = PathCounts()
    /// Failed operations of every file kind, by errno name, then path.
    public var failures: [String: PathCounts] = [:]

    public init() {}

    public var failedTotal: Int { failures.values.reduce(0) { $0 + $1.total } }

    /// The file a path names, the key of the tables (`EventText.file`).
    static func display(_ path: CapturedString, _ absolute: ResolvedPath? = nil) -> String {
        EventText.file(EventPath(passed: path, absolute: absolute))
    }

    mutating func add(_ kind: EventKind) {
        switch kind {
        case .started, .exited, .sample, .lost, .limit, .profile, .fork, .exec, .exit, .syscalls, .connect, .accept,
            .bind, .listen, .socketClose, .dns, .close:
            return  // not file activity: the process tree and `NetworkActivity` count these
        case .open(let open):
            let path = Self.display(open.path, open.absolutePath)
            guard open.result.succeeded else { return fail(open.result, path) }
            if open.flags & 0o3 == 0 {
                read.add(path)
            } else {
                written.add(path)
                if OpenFlags.names(of: open.flags).contains(where: { $0 == "O_CREAT" || $0 == "O_TMPFILE" }) {
                    created.add(path)
                }
            }
        case .unlink(let op), .rmdir(let op):
            let path = Self.display(op.path, op.absolutePath)
            guard op.result.succeeded else { return fail(op.result, path) }
            deleted.add(path)
        case .mkdir(let op):
            let path = Self.display(op.path, op.absolutePath)
            guard op.result.succeeded else { return fail(op.result, path) }
            directoriesCreated.add(path)
        case .rename(let rename):
            let path = Self.display(rename.path, rename.absolutePath)
            guard rename.result.succeeded else { return fail(rename.result, path) }
            renamed.add(path + " → " + Self.display(rename.newPath, rename.newAbsolutePath))
        case .link(let link):
            let path = Self.display(link.newPath, link.newAbsolutePath)
            guard link.result.succeeded else { return fail(link.result, path) }
            created.add(path)
        case .symlink(let symlink):
            let path = Self.display(symlink.path, symlink.absolutePath)
            guard symlink.result.succeeded else { return fail(symlink.result, path) }
            created.add(path)
        case .chdir(let change), .fchdir(let change):
            guard !change.result.succeeded else { return }
            fail(change.result, change.path.map { Self.display($0, change.absolutePath) } ?? "fd \(change.fd ?? -1)")
        }
    }

    private mutating func fail(_ result: SyscallResult, _ path: String) {
        failures[result.errnoName ?? "E?", default: PathCounts()].add(path)
    }
}
