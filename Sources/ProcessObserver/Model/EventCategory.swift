/// What an observer can watch. The raw values are stable lowercase names used by `obsctl` and JSON.
public enum EventCategory: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    /// The observed process started and exited; perf samples, losses and the run profile travel here too.
    /// Served by our own spawn and reap path on every platform.
    case lifecycle
    /// Kinds `open` (open, openat, openat2, creat), `unlink`, `rmdir`, `mkdir`, `rename`, `chdir`,
    /// `fchdir`, `link` and `symlink`, by any process of the observed tree.
    case file
    /// connect, accept, bind and listen by any process of the observed tree.
    case network
    /// fork, exec and exit of the observed process's descendants.
    case process

    public static func < (lhs: EventCategory, rhs: EventCategory) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The categories served by eBPF programs rather than by the spawn/reap path.
    public static let kernelCategories: Set<EventCategory> = [.file, .network, .process]
}
