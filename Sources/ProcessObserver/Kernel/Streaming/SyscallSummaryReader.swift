import CLibbpf
import CObserverBPF

/// Reads, and removes, a process's syscall summary from the kernel's maps (`obs_sc_procs`, the
/// per-CPU `obs_sc_stats` and, for a process that spilled, `obs_sc_spill`; see
/// `bpf/obs_summary.bpf.h`): at the process's exit record, and at the run's end for the processes
/// still counted.
///
/// Used by the ring-buffer thread while it runs and by `EBPFEventSource.stop()` after joining it,
/// never by both at once.
final class SyscallSummaryReader {
    private let procsFD: Int32
    private let statsFD: Int32
    private let spillFD: Int32
    private let cpus: Int

    init(procsFD: Int32, statsFD: Int32, spillFD: Int32) {
        self.procsFD = procsFD
        self.statsFD = statsFD
        self.spillFD = spillFD
        self.cpus = Int(max(1, libbpf_num_possible_cpus()))
    }

    /// The summary of process `tgid`, its entries deleted; nil when it was not counted.
    ///
    /// One lookup for the process (which syscall numbers it used), then one lookup-and-delete per
    /// number (`bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM)`, per-CPU hashes since Linux 5.14, returns a
    /// value per possible CPU), summed here; a second one in `obs_sc_spill` per number when the
    /// process spilled (a pair may be in both maps: its threads raced for the last free entry).
    func take(_ tgid: UInt32) -> SyscallSummary? {
        var key = tgid
        var proc = obs_sc_proc()
        guard bpf_map_lookup_elem(procsFD, &key, &proc) == 0 else { return nil }
        _ = bpf_map_delete_elem(procsFD, &key)
        var counts: [SyscallCount] = []
        let words = withUnsafeBytes(of: proc.seen) { Array($0.bindMemory(to: UInt64.self)) }
        var values = [obs_sc_stat](repeating: obs_sc_stat(), count: cpus)
        for (w, word) in words.enumerated() where word != 0 {
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 {
                let nr = w * 64 + bit
                var statKey = obs_sc_key(tgid: tgid, nr: UInt32(nr))
                var total = SyscallCount(
                    name: SyscallTable.name(of: nr), number: nr, calls: 0, totalNs: 0, minNs: 0, maxNs: 0)
                for fd in proc.spilled != 0 ? [statsFD, spillFD] : [statsFD] {
                    guard bpf_map_lookup_and_delete_elem(fd, &statKey, &values) == 0 else { continue }
                    for value in values { total.add(Self.count(value, name: total.name, number: nr)) }
                }
                if total.calls > 0 { counts.append(total) }
            }
        }
        return SyscallSummary(syscalls: SyscallSummary.ordered(counts), dropped: proc.dropped)
    }

    /// How many (process, syscall) entries `obs_sc_stats` preallocates in a run with the summary:
    /// 1 MiB of 256-byte values, one per possible CPU each (4,096 on 1 CPU, 2,048 on 2, never
    /// under 512), about 1.5 ms of the start on 2 CPUs where the 65,536 of before took 50 to
    /// 90 ms. Entries are deleted at each process's exit, so this is the live processes' distinct
    /// syscalls (a process uses 20 to 60); past it, `obs_sc_spill` takes the rest.
    /// `OBS_SC_STATS_ENTRIES` overrides it (tests, measurements).
    static let preallocatedEntries: UInt32 = entries(
        "OBS_SC_STATS_ENTRIES", budget: 1 << 20, floor: 512, ceiling: Int(OBS_SC_STATS_MAX))

    /// How many entries `obs_sc_spill` (allocated on use, so free until a run needs it) may hold:
    /// 32 MiB of per-CPU values at most (65,536 up to 2 CPUs, `OBS_SC_STATS_MAX`; 16,384 on 8;
    /// never under 1,024). A call that finds both maps full is counted in its process's
    /// `dropped`. `OBS_SC_SPILL_ENTRIES` overrides it (tests, measurements).
    static let spillEntries: UInt32 = entries(
        "OBS_SC_SPILL_ENTRIES", budget: 32 << 20, floor: 1024, ceiling: Int(OBS_SC_STATS_MAX))

    /// `budget` bytes of per-CPU values as entries, within [floor, ceiling]; or the positive
    /// number the environment variable `name` gives.
    static func entries(_ name: String, budget: Int, floor: Int, ceiling: Int) -> UInt32 {
        if let text = Syscall.environmentValue(name), let n = UInt32(text), n > 0 { return n }
        let cpus = Int(max(1, libbpf_num_possible_cpus()))
        return UInt32(min(ceiling, max(floor, budget / (MemoryLayout<obs_sc_stat>.size * cpus))))
    }

    /// The environment variable that makes user space read each process's summary at its exit
    /// record (`user`) instead of the kernel sending it: for comparisons, and as a way out.
    static let emitVariable = "OBS_SC_EMIT"

    /// The number of possible CPUs when the kernel can build each process's summary record at its
    /// exit (`obs_sc_emit_cpus`, `bpf/obs_summary.bpf.h`): it needs `bpf_loop` (5.17) and
    /// `bpf_map_lookup_percpu_elem` (5.19) in raw tracepoint programs, probed once
    /// (`libbpf_probe_bpf_helper`). 0 where they are missing, or `OBS_SC_EMIT=user`: user space
    /// then reads the maps at the exit record, one `bpf()` call per syscall the process used.
    static let kernelEmitCPUs: UInt32 = {
        guard Syscall.environmentValue(emitVariable) != "user" else { return 0 }
        for helper in [BPF_FUNC_loop, BPF_FUNC_map_lookup_percpu_elem] {
            guard libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, helper, nil) == 1 else { return 0 }
        }
        return UInt32(max(1, libbpf_num_possible_cpus()))
    }()

    /// The environment variable that makes the kernel keep every counted call's start in an
    /// `obs_inflight` entry (`inflight`), as before task storage: for comparisons, and as a way out.
    static let startVariable = "OBS_SC_START"

    /// Whether the kernel keeps the start of a call the summary only counts in task-local storage
    /// (`obs_sc_task_start`, `bpf/obs_summary.bpf.h`): it needs `BPF_MAP_TYPE_TASK_STORAGE`,
    /// `bpf_task_storage_get` and `bpf_get_current_task_btf` in both tracepoint flavours (5.11),
    /// probed once (`libbpf_probe_bpf_map_type`, `libbpf_probe_bpf_helper`). False where they are
    /// missing, or `OBS_SC_START=inflight`: each such call then costs a hash update, lookup and
    /// delete of `obs_inflight`.
    static let taskStart: Bool = {
        guard Syscall.environmentValue(startVariable) != "inflight" else { return false }
        guard libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nil) == 1 else { return false }
        for type in [BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT] {
            for helper in [BPF_FUNC_task_storage_get, BPF_FUNC_get_current_task_btf] {
                guard libbpf_probe_bpf_helper(type, helper, nil) == 1 else { return false }
            }
        }
        return true
    }()

    /// A summary record's entries as counts (`obs_sc_rec`, already summed over the CPUs).
    static func counts(of record: UnsafeRawPointer, count: Int) -> [SyscallCount] {
        let base = Int(obs_sc_rec_size(0))
        let stride = MemoryLayout<obs_sc_entry>.stride
        return (0..<count).map { i in
            let entry = record.loadUnaligned(fromByteOffset: base + i * stride, as: obs_sc_entry.self)
            let nr = Int(entry.nr)
            return Self.count(entry.stat, name: SyscallTable.name(of: nr), number: nr)
        }
    }

    /// Every process still counted (alive at the run's end, or its exit record lost).
    func remainingProcesses() -> [UInt32] {
        var out: [UInt32] = []
        var key: UInt32 = 0
        var next: UInt32 = 0
        var first = true
        while (first
            ? bpf_map_get_next_key(procsFD, nil, &next) : bpf_map_get_next_key(procsFD, &key, &next)) == 0
        {
            first = false
            key = next
            out.append(next)
        }
        return out
    }

    /// Starts counting a process that is already running (an attach), from now.
    func startCounting(_ tgid: UInt32) {
        var key = tgid
        var proc = obs_sc_proc()
        _ = bpf_map_update_elem(procsFD, &key, &proc, UInt64(BPF_NOEXIST))
    }

    /// One CPU's value as a count.
    static func count(_ s: obs_sc_stat, name: String, number: Int) -> SyscallCount {
        var errnos: [String: UInt64] = [:]
        withUnsafeBytes(of: s.errno_nr) { nrs in
            withUnsafeBytes(of: s.errno_count) { counts in
                for i in 0..<Int(OBS_SC_ERRNO_SLOTS) {
                    let e = nrs.load(fromByteOffset: i * 4, as: UInt32.self)
                    let n = counts.load(fromByteOffset: i * 8, as: UInt64.self)
                    if e != 0 && n > 0 { errnos[ErrnoName.name(of: Int32(bitPattern: e)), default: 0] += n }
                }
            }
        }
        if s.errno_other > 0 { errnos[SyscallCount.otherErrno, default: 0] += s.errno_other }
        var histogram = withUnsafeBytes(of: s.hist) { $0.bindMemory(to: UInt32.self).map { UInt64($0) } }
        while histogram.last == 0 { histogram.removeLast() }
        return SyscallCount(
            name: name, number: number, calls: s.calls, errors: s.errors, errnos: errnos, totalNs: s.total_ns,
            minNs: s.min_ns, maxNs: s.max_ns, histogram: histogram)
    }
}
