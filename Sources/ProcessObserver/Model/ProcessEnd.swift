/// How a process ended, as an `exited` or `exit` event tells it: the status `wait(2)` gives,
/// whether the OOM killer chose it, and (on `exit`) its peak resident set size.
///
/// The status alone cannot say the second: an OOM kill is a plain SIGKILL. The kernel marks the
/// process it chose (its `signal->oom_mm`), and the exit record carries that mark, so a kill in a
/// run's cgroup names its victim even when the root runs on; `memory.events` only counts kills.
public struct ProcessEnd: Sendable, Hashable {
    public var status: ExitStatus
    /// The OOM killer ended this process (the kernel marked it as its victim). Always with
    /// `status` SIGKILL.
    public var killedByOOM: Bool
    /// The process's peak resident set size in bytes, as the kernel kept it for the thread
    /// group (`signal->maxrss`): the largest resident size of any image the process ran.
    /// `wait4`'s `ru_maxrss` and GNU time's `%M` report the same counter, or the largest child
    /// the process waited for (`signal->cmaxrss`) when that is larger: this figure is its own.
    /// The kernel folds an image in when `execve` replaces it and the last one when the last
    /// thread exits, so the figure may be the image before the process's last exec: for a
    /// process forked from a large parent and then exec'd, that is the parent's resident size at
    /// the fork (the forked copy counts every page it shares with the parent). Threads share the
    /// process's one image, so the figure is the whole process's, never one thread's. Set on
    /// `exit` events (the kernel's record); `nil` on `exited`, and where the kernel's BTF has no
    /// `signal_struct.maxrss`.
    public var peakRSSBytes: UInt64?
    /// The peak resident set size of the image the process was running when it exited, since
    /// the `execve` that loaded it (the kernel's `get_mm_hiwater_rss` of the exiting address
    /// space): the command's own figure, without an image an exec replaced. `nil` when the
    /// kernel cannot tell: the exit record carries it only where `sched_process_exit` fires
    /// while the address space is still attached (before `exit_mm`; measured on 6.18, older
    /// kernels fire it after) and its RSS counters are `percpu_counter`s (6.2 and later). A
    /// process that never exec'd has the image it was forked with, which counts the pages it
    /// shared with its parent at the fork.
    public var imagePeakRSSBytes: UInt64?
    /// The process's I/O totals from the kernel's own accounting (`ProcessIO`). Set on `exit`
    /// events when the kernel program read them; nil on `exited`.
    public var io: ProcessIO?

    /// Whether `peakRSSBytes` comes from an image an `execve` replaced (it is larger than
    /// `imagePeakRSSBytes`): typically a large parent's copy, forked before the exec. `nil` when
    /// either figure is unknown.
    public var peakRSSIncludesPreExec: Bool? {
        guard let peakRSSBytes, let imagePeakRSSBytes else { return nil }
        return peakRSSBytes > imagePeakRSSBytes
    }

    public init(
        _ status: ExitStatus, killedByOOM: Bool = false, peakRSSBytes: UInt64? = nil,
        imagePeakRSSBytes: UInt64? = nil, io: ProcessIO? = nil
    ) {
        self.status = status
        self.killedByOOM = killedByOOM
        self.peakRSSBytes = peakRSSBytes
        self.imagePeakRSSBytes = imagePeakRSSBytes
        self.io = io
    }
}

extension ProcessEnd {
    /// A normal exit with `code`, as a pattern or a value (`.exit(.exited(code: 0))`).
    public static func exited(code: Int32) -> ProcessEnd { ProcessEnd(.exited(code: code)) }

    /// Death by `signal`, not chosen by the OOM killer.
    public static func signaled(signal: Int32, coreDumped: Bool) -> ProcessEnd {
        ProcessEnd(.signaled(signal: signal, coreDumped: coreDumped))
    }
}
