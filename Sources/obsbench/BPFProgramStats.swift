import CLibbpf
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The kernel's own account of what a BPF program cost: `run_time_ns` and `run_cnt` of
/// `bpf_prog_info`, as `bpftool prog show` prints them.
///
/// The kernel counts only while run-time statistics are on (`BPF_ENABLE_STATS`, or the sysctl
/// `kernel.bpf_stats_enabled`), and the counting itself (two clock reads per run) adds a few tens
/// of ns to each hit. So `BPFRunTimeStats` is only ever on around the kernel-cost sections, never
/// while the workload rows are timed.
struct ProgramRunStats: Sendable {
    var id: UInt32
    /// The function's name from the program's BTF, else the kernel's copy of the name (cut to
    /// 15 bytes, `BPF_OBJ_NAME_LEN`).
    var name: String
    var runTimeNs: UInt64
    var runCount: UInt64

    /// Reads the counters of the program behind `fd` (`bpf(BPF_OBJ_GET_INFO_BY_FD)`).
    init?(fd: Int32) {
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { return nil }
        id = info.id
        name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        runTimeNs = info.run_time_ns
        runCount = info.run_cnt
        if info.btf_id != 0, info.nr_func_info > 0, let full = Self.functionName(fd: fd, btfID: info.btf_id) {
            name = full
        }
    }

    /// The program's whole function name from its BTF (`func_info[0]`), where the kernel's name
    /// field cuts `obs_sched_process_exec` and `obs_sched_process_exit` to the same 15 bytes.
    private static func functionName(fd: Int32, btfID: UInt32) -> String? {
        var record = bpf_func_info()
        var info = bpf_prog_info()
        info.nr_func_info = 1
        info.func_info_rec_size = UInt32(MemoryLayout<bpf_func_info>.size)
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        let ok = withUnsafeMutablePointer(to: &record) { pointer in
            info.func_info = UInt64(UInt(bitPattern: pointer))
            return bpf_obj_get_info_by_fd(fd, &info, &length) == 0
        }
        guard ok, let btf = btf__load_from_kernel_by_id(btfID) else { return nil }
        defer { btf__free(btf) }
        guard let type = btf__type_by_id(btf, record.type_id),
            let cName = btf__name_by_offset(btf, type.pointee.name_off)
        else { return nil }
        return String(cString: cName)
    }
}

/// Run-time statistics on for as long as this is open (`bpf_enable_stats(BPF_STATS_RUN_TIME)`
/// returns a descriptor; the kernel counts until the last such descriptor is closed).
final class BPFRunTimeStats {
    private var fd: Int32

    struct Unavailable: Error, CustomStringConvertible { var description: String }

    init() throws {
        fd = bpf_enable_stats(BPF_STATS_RUN_TIME)
        guard fd >= 0 else {
            throw Unavailable(
                description:
                    "bpf_enable_stats(BPF_STATS_RUN_TIME) failed: \(String(cString: strerror(-fd))); run as root on Linux 5.8 or later"
            )
        }
    }

    func end() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { end() }
}

/// Catches the `obs_*` programs one process loads, and keeps a descriptor to each, so that their
/// final counters can be read after the process has exited (a held descriptor keeps a program
/// loaded; its counters stop once its links are gone).
///
/// A thread polls `bpf_prog_get_next_id` from the highest id it has seen every millisecond (one
/// syscall when nothing is new). A new program named `obs_*` is taken at once
/// (`bpf_prog_get_fd_by_id`) and kept only once one of `pid`'s descriptors shows its id in
/// `/proc/PID/fdinfo` (`prog_id:`): other observers on the machine (a test run) load programs
/// of the same names.
final class ProgramCatcher: @unchecked Sendable {
    private var pid: pid_t = 0
    private let lock = NSLock()
    private var stopping = false
    private var held: [UInt32: Int32] = [:]
    /// Taken but not yet seen in the process's descriptors, with the polls left before giving up.
    private var pending: [UInt32: (fd: Int32, polls: Int)] = [:]
    private var lastID: UInt32
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// Notes the highest program id loaded now; make it before starting the process to watch.
    init() {
        lastID = Self.highestID()
    }

    /// The highest program id loaded now: where polling starts (ids only grow).
    static func highestID() -> UInt32 {
        var id: UInt32 = 0
        var next: UInt32 = 0
        while bpf_prog_get_next_id(id, &next) == 0 { id = next }
        return id
    }

    /// Starts polling for the programs `pid` loads.
    func start(pid: pid_t) {
        self.pid = pid
        let thread = Thread { [self] in
            while !lock.withLock({ stopping }) {
                poll()
                usleep(1_000)
            }
            poll()
            finished.signal()
        }
        thread.name = "obsbench-program-catcher"
        self.thread = thread
        thread.start()
    }

    private func poll() {
        var next: UInt32 = 0
        var fresh: [UInt32: Int32] = [:]
        while bpf_prog_get_next_id(lastID, &next) == 0 {
            lastID = next
            let fd = bpf_prog_get_fd_by_id(next)
            guard fd >= 0 else { continue }
            if let stats = ProgramRunStats(fd: fd), stats.name.hasPrefix("obs_") {
                fresh[next] = fd
            } else {
                close(fd)
            }
        }
        for (id, fd) in fresh { pending[id] = (fd, 50) }
        guard !pending.isEmpty else { return }
        let owned = Self.programIDs(of: pid)
        for (id, entry) in pending {
            if owned.contains(id) {
                lock.withLock { held[id] = entry.fd }
                pending[id] = nil
            } else if entry.polls <= 1 {
                close(entry.fd)
                pending[id] = nil
            } else {
                pending[id] = (entry.fd, entry.polls - 1)
            }
        }
    }

    /// The program ids `pid`'s descriptors refer to (program and link descriptors both print
    /// `prog_id:` in their fdinfo).
    static func programIDs(of pid: pid_t) -> Set<UInt32> {
        var ids = Set<UInt32>()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fdinfo") else {
            return ids
        }
        for name in names {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(name)", encoding: .utf8),
                text.contains("prog_id:")
            else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("prog_id:") {
                if let id = UInt32(line.dropFirst("prog_id:".count).trimmingPrefix(while: { $0 == "\t" || $0 == " " }))
                {
                    ids.insert(id)
                }
            }
        }
        return ids
    }

    /// Stops polling, reads every held program's counters and releases them.
    func finish() -> [ProgramRunStats] {
        lock.withLock { stopping = true }
        if thread != nil { finished.wait() }
        for (_, entry) in pending { close(entry.fd) }
        pending = [:]
        let fds = lock.withLock { held }
        let stats = fds.values.compactMap { ProgramRunStats(fd: $0) }.sorted { $0.name < $1.name }
        for fd in fds.values { close(fd) }
        return stats
    }
}
