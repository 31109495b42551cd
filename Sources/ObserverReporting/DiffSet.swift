/// A set of names a diff compares between runs (`Docs/DIFF.md`): what was added and what was
/// removed, by name, in this order.
public enum DiffSet: String, Sendable, Hashable, CaseIterable {
    /// Programs executed: successful `exec`s by the absolute path of the file run.
    case programs
    /// Files opened with write access.
    case written
    /// Files opened with `O_CREAT`/`O_TMPFILE`, names made by `link`/`symlink`, and directories
    /// made by `mkdir`.
    case created
    /// Files and directories removed (`unlink`, `rmdir`).
    case deleted
    /// Renames, as `old → new`.
    case renamed
    /// Files opened for reading only: compared only when asked (`--reads`), a build reads
    /// thousands.
    case read
    /// Peers connected to (`connect`), as `host:port` or a socket path.
    case peers
    /// Addresses listened on (`listen`, named by the socket's `bind`).
    case listening
    /// Failed calls, as `kind errno subject`.
    case failures

    /// The heading people read.
    public var title: String {
        switch self {
        case .programs: "programs executed"
        case .written: "files written"
        case .created: "files created"
        case .deleted: "files deleted"
        case .renamed: "files renamed"
        case .read: "files read"
        case .peers: "peers connected to"
        case .listening: "ports listened on"
        case .failures: "failures"
        }
    }

    /// The section it is shown in.
    public var section: String {
        switch self {
        case .programs: "programs"
        case .written, .created, .deleted, .renamed, .read: "files"
        case .peers, .listening: "network"
        case .failures: "failures"
        }
    }
}

/// A figure a diff compares between runs: base (the median of the bases), new, and their ratio.
public enum DiffMeasure: String, Sendable, Hashable, CaseIterable {
    /// Wall time of the run (`RunReport.wallNs`).
    case wall
    /// CPU time of the command: the profile's user + system (`wait4`).
    case cpu
    /// CPU time of the whole tree, from the run's cgroup.
    case treeCPU = "tree-cpu"
    /// The profile's peak RSS.
    case peakRSS = "peak-rss"
    /// Processes in the run.
    case processes
    /// Events in the recording.
    case events
    /// Bytes read and written, and system calls made: the model carries them, no recording does
    /// yet (issues 18 and 19 add them); they are shown once both sides have them.
    case bytesRead = "bytes-read"
    case bytesWritten = "bytes-written"
    case syscalls

    public enum Unit: Sendable {
        case nanoseconds, bytes, count
    }

    public var unit: Unit {
        switch self {
        case .wall, .cpu, .treeCPU: .nanoseconds
        case .peakRSS, .bytesRead, .bytesWritten: .bytes
        case .processes, .events, .syscalls: .count
        }
    }

    /// The JSON member: the name with its unit (`wall_ns`, `peak_rss_bytes`).
    public var jsonName: String {
        let base = rawValue.replacingAll("-", with: "_")
        switch unit {
        case .nanoseconds: return base + "_ns"
        case .bytes: return base.hasPrefix("bytes") ? base : base + "_bytes"
        case .count: return base
        }
    }
}
