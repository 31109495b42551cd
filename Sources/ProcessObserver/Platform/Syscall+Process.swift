import CSpawn
import Glibc
import SystemPackage

extension Syscall {
    /// The calling process's id. Backed by `getpid(2)`.
    static func processID() -> Int32 { Glibc.getpid() }

    /// Runs `body` when the process exits normally (`exit(3)`, the end of `main`), not when it
    /// is killed. Backed by `atexit(3)`.
    static func atExit(_ body: @escaping @convention(c) () -> Void) { _ = Glibc.atexit(body) }

    /// Sends `signal` to `pid` (a process group when negative; `0` only checks that it exists).
    /// Backed by `kill(2)`.
    static func kill(_ pid: Int32, _ signal: Int32) throws(Errno) {
        _ = try valueOrErrno(retryOnInterrupt: false) { Glibc.kill(pid, signal) }
    }

    /// Whether a process (or zombie) with this id exists: `kill(pid, 0)` fails with ESRCH only
    /// when none does (EPERM means it exists and is someone else's).
    static func processExists(_ pid: Int32) -> Bool {
        do {
            try Syscall.kill(pid, 0)
            return true
        } catch {
            return error != .noSuchProcess
        }
    }

    /// Waits for the child `pid` to exit and reaps it, with its resource usage. Backed by
    /// `wait4(2)`, retrying on EINTR.
    static func wait4(_ pid: Int32) throws(Errno) -> (status: Int32, usage: ResourceUsage) {
        var status: Int32 = 0
        var usage = rusage()
        _ = try valueOrErrno { Glibc.wait4(pid, &status, 0, &usage) }
        return (status, ResourceUsage(usage))
    }

    /// Sends `signal` to every process of the group `pgid` (`kill(2)` with `-pgid`). A group that
    /// is gone is not an error here: the caller only wants it ended.
    static func signalGroup(_ pgid: Int32, _ signal: Int32) {
        try? Syscall.kill(-pgid, signal)
    }

    /// A pidfd for `pid`. Backed by `pidfd_open(2)` (through the C shim: Glibc 2.36 has no wrapper).
    static func pidfdOpen(_ pid: Int32) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try valueOrNegatedErrno(obs_pidfd_open(pid)))
    }

    /// The value of `name` in our own environment. Backed by `getenv(3)`.
    static func environmentValue(_ name: String) -> String? {
        Glibc.getenv(name).map { String(cString: $0) }
    }

    /// Our whole environment, `NAME=value` byte strings in order. Reads `environ(7)`.
    static func environment() -> [ByteString] {
        var out: [ByteString] = []
        var entry = Glibc.environ
        while let pointer = entry.pointee {
            out.append(ByteString(cString: pointer))
            entry += 1
        }
        return out
    }

    /// Sleeps the calling thread. Backed by `usleep(3)`; for short bounded waits on the kernel's
    /// own pace (a killed cgroup emptying), never as synchronisation with our own threads.
    static func sleep(milliseconds: Int) { _ = Glibc.usleep(useconds_t(max(0, milliseconds) * 1000)) }

    /// A system configuration value. Backed by `sysconf(3)`.
    static func configuration(_ name: Int32) -> Int { Glibc.sysconf(name) }

    /// Clock ticks per second, the unit of `/proc/<pid>/stat`'s times (`sysconf(_SC_CLK_TCK)`).
    static var clockTicksPerSecond: Int { configuration(Int32(_SC_CLK_TCK)) }

    /// Bytes per page (`sysconf(_SC_PAGESIZE)`).
    static var pageSize: Int { configuration(Int32(_SC_PAGESIZE)) }
}

/// Named signal numbers the library sends and obsctl forwards (Glibc's constants, read here so
/// that code above the seam, obsctl's included, needs no libc module).
package enum SignalNumber {
    package static let terminate = SIGTERM
    package static let kill = SIGKILL
    package static let interrupt = SIGINT
    package static let brokenPipe = SIGPIPE
}

/// What `wait4(2)` reports of a reaped child and the descendants it waited for, in our units.
struct ResourceUsage: Sendable, Hashable {
    var userCPUNanoseconds: UInt64 = 0
    var systemCPUNanoseconds: UInt64 = 0
    /// The largest resident set, in bytes (`ru_maxrss` is in KiB).
    var peakRSSBytes: UInt64 = 0
    var minorFaults: UInt64 = 0
    var majorFaults: UInt64 = 0
    var voluntaryContextSwitches: UInt64 = 0
    var involuntaryContextSwitches: UInt64 = 0

    init() {}

    init(_ usage: rusage) {
        func ns(_ tv: timeval) -> UInt64 {
            UInt64(max(0, tv.tv_sec)) * 1_000_000_000 + UInt64(max(0, tv.tv_usec)) * 1000
        }
        userCPUNanoseconds = ns(usage.ru_utime)
        systemCPUNanoseconds = ns(usage.ru_stime)
        peakRSSBytes = UInt64(max(0, usage.ru_maxrss)) * 1024
        minorFaults = UInt64(max(0, usage.ru_minflt))
        majorFaults = UInt64(max(0, usage.ru_majflt))
        voluntaryContextSwitches = UInt64(max(0, usage.ru_nvcsw))
        involuntaryContextSwitches = UInt64(max(0, usage.ru_nivcsw))
    }
}

extension Syscall {
    /// Starts the observer's watchdog over `owners` (the owner directories, v2 first): a process
    /// that waits for this one to die and then ends and removes its runs' cgroups. Returns the
    /// watchdog's pid and the descriptor that keeps it waiting (close-on-exec; never close it).
    /// Backed by `obs_watchdog_start` (pipe2, fork twice, read, waitpid).
    static func startWatchdog(owners: [String]) throws(Errno) -> (processID: Int32, keep: FileDescriptor) {
        let copies = owners.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        var started = obs_watchdog()
        let err = pointers.withUnsafeBufferPointer {
            obs_watchdog_start($0.baseAddress, Int32($0.count), &started)
        }
        guard err == 0 else { throw Errno(rawValue: err) }
        return (started.pid, FileDescriptor(rawValue: started.keep_fd))
    }
}
