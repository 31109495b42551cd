import CLibbpf
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The machine's loaded BPF programs, for leak checks.
public enum LoadedPrograms {
    /// Every loaded program's id (`bpf(BPF_PROG_GET_NEXT_ID)`).
    public static func ids() -> Set<UInt32> {
        var id: UInt32 = 0
        var ids = Set<UInt32>()
        while bpf_prog_get_next_id(id, &id) == 0 { ids.insert(id) }
        return ids
    }

    /// Re-reads `probe` until it is empty or 5 s have passed: a released program is freed by the
    /// kernel after an RCU grace period (about 250 ms here), not when its last descriptor closes.
    public static func settled<C: Collection>(_ probe: () -> C) -> C {
        let deadline = Date().addingTimeInterval(5)
        var value = probe()
        while !value.isEmpty && Date() < deadline {
            usleep(5_000)
            value = probe()
        }
        return value
    }

    /// Whether a program with this id is still loaded (`bpf(BPF_PROG_GET_FD_BY_ID)`).
    public static func exists(_ id: UInt32) -> Bool {
        let fd = bpf_prog_get_fd_by_id(id)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    /// Programs loaded now that were not in `before` and that no live process holds: what a run
    /// left behind. Exact even while other processes on the machine (other test runs) load and
    /// unload programs of their own, which a bare count before and after is not.
    public static func lingering(since before: Set<UInt32>) -> Set<UInt32> {
        let new = ids().subtracting(before)
        guard !new.isEmpty else { return [] }
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
        return pids.reduce(new) { $0.subtracting(held(by: $1)) }
    }

    /// The programs process `pid` holds through a program or link descriptor: the `prog_id:`
    /// lines of `/proc/<pid>/fdinfo/*`.
    public static func held(by pid: pid_t) -> Set<UInt32> {
        let dir = "/proc/\(pid)/fdinfo"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var ids = Set<UInt32>()
        for fd in fds {
            guard let text = try? String(contentsOfFile: "\(dir)/\(fd)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("prog_id:") {
                if let id = UInt32(line.dropFirst("prog_id:".count).trimmingCharacters(in: .whitespaces)) {
                    ids.insert(id)
                }
            }
        }
        return ids
    }
}
