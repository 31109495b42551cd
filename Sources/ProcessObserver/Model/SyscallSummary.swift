/// What one process of the tree spent in syscalls, summed in the kernel (the summary `obsctl
/// watch -c` prints, strace's `-c`): one `SyscallCount` per syscall the process made, by number.
///
/// A process is counted from its first `execve` the observer saw (the command's own exec
/// included, the spawn's set-up before it not), from its fork when its parent is counted, and
/// from the attach for a process attached to while running. Calls are counted when they return,
/// so `exit` and `exit_group`, which never do, are not listed (as `strace -c` leaves them out).
/// A call interrupted and restarted (`ERESTART*`) is two calls, the first an error, as strace
/// counts it.
public struct SyscallSummary: Sendable, Hashable {
    /// The syscalls, by time spent (most first), then by name.
    public var syscalls: [SyscallCount]
    /// Calls the kernel could not count for want of room in its map (`OBS_SC_STATS_MAX` pairs of
    /// process and syscall at once); 0 when every call is in `syscalls`.
    public var dropped: UInt64

    public init(syscalls: [SyscallCount], dropped: UInt64 = 0) {
        self.syscalls = syscalls
        self.dropped = dropped
    }
}

/// One syscall's calls in one process (or, summed, in a tree).
public struct SyscallCount: Sendable, Hashable {
    /// The kernel's name on this architecture ("openat"), `syscall_<n>` for a number it lacks.
    public var name: String
    /// The syscall's number on the architecture that ran it.
    public var number: Int
    public var calls: UInt64
    /// Calls that returned an error (-4095…-1, `ERESTART*` included).
    public var errors: UInt64
    /// Errors by errno name ("ENOENT"); errors past the kernel's few slots per syscall
    /// (`OBS_SC_ERRNO_SLOTS` distinct errnos per process and CPU) are under "other".
    public var errnos: [String: UInt64]
    /// Time from the syscall's entry to its exit, summed over the calls.
    public var totalNs: UInt64
    public var minNs: UInt64
    public var maxNs: UInt64
    /// Calls by time, in log2 buckets: `histogram[i]` counts calls of 2^i to 2^(i+1) ns (bucket 0
    /// also 0 ns; the last bucket everything longer). Trailing empty buckets are left out.
    public var histogram: [UInt64]

    public init(
        name: String, number: Int, calls: UInt64, errors: UInt64 = 0, errnos: [String: UInt64] = [:],
        totalNs: UInt64, minNs: UInt64, maxNs: UInt64, histogram: [UInt64] = []
    ) {
        self.name = name
        self.number = number
        self.calls = calls
        self.errors = errors
        self.errnos = errnos
        self.totalNs = totalNs
        self.minNs = minNs
        self.maxNs = maxNs
        self.histogram = histogram
    }

    /// The errno name "other" errors past the kernel's slots are counted under.
    public static let otherErrno = "other"

    /// Adds another count of the same syscall (another CPU, another process).
    public mutating func add(_ other: SyscallCount) {
        guard other.calls > 0 else { return }
        minNs = calls == 0 ? other.minNs : Swift.min(minNs, other.minNs)
        maxNs = Swift.max(maxNs, other.maxNs)
        calls += other.calls
        errors += other.errors
        totalNs += other.totalNs
        for (name, n) in other.errnos { errnos[name, default: 0] += n }
        if histogram.count < other.histogram.count {
            histogram += [UInt64](repeating: 0, count: other.histogram.count - histogram.count)
        }
        for (i, n) in other.histogram.enumerated() { histogram[i] += n }
    }
}

extension SyscallSummary {
    /// Orders syscalls as the summary lists them: by time spent, most first, then by calls, then
    /// by name.
    static func ordered(_ counts: [SyscallCount]) -> [SyscallCount] {
        counts.sorted {
            ($0.totalNs, $0.calls, $1.name) > ($1.totalNs, $1.calls, $0.name)
        }
    }

    /// The summaries of several processes as one (the whole tree's table).
    public static func merged(_ summaries: [SyscallSummary]) -> SyscallSummary {
        var byNumber: [Int: SyscallCount] = [:]
        var dropped: UInt64 = 0
        for summary in summaries {
            dropped += summary.dropped
            for count in summary.syscalls {
                if byNumber[count.number] == nil {
                    byNumber[count.number] = SyscallCount(
                        name: count.name, number: count.number, calls: 0, totalNs: 0, minNs: 0, maxNs: 0)
                }
                byNumber[count.number]!.add(count)
            }
        }
        return SyscallSummary(syscalls: ordered(Array(byNumber.values)), dropped: dropped)
    }
}
