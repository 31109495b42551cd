import CLibbpf
import Foundation
import ProcessObserver
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the end-to-end eBPF tests run here: when the probe says the kernel categories are
/// available, and always under `OBS_REQUIRE_BPF=1` (where an unavailable backend then fails them
/// with the probe's reason instead of skipping).
enum EBPFGate {
    static let required = getenv("OBS_REQUIRE_BPF").map { String(cString: $0) } == "1"
    static let unavailableReason: String? = {
        let bad = ObserverCapabilities.negotiate().categories.filter {
            $0.category != .lifecycle && $0.support == .unavailable
        }
        return bad.first.map { "eBPF \($0.category.rawValue) is unavailable: \($0.reason)" }
    }()
    static var shouldRun: Bool { required || unavailableReason == nil }

    /// Fails the test (with the probe's reason) when the backend is unavailable.
    static func require() throws {
        if let reason = unavailableReason {
            try #require(Bool(false), Comment(rawValue: "OBS_REQUIRE_BPF=1 but \(reason)"))
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when eBPF is available, or when OBS_REQUIRE_BPF=1 (then it fails with the reason).
    static var requiresEBPF: Self {
        .enabled(if: EBPFGate.shouldRun, Comment(rawValue: EBPFGate.unavailableReason ?? "eBPF is available"))
    }
}

/// The machine's loaded BPF programs, for leak checks.
enum LoadedPrograms {
    /// Every loaded program's id (`bpf(BPF_PROG_GET_NEXT_ID)`).
    static func ids() -> Set<UInt32> {
        var id: UInt32 = 0
        var ids = Set<UInt32>()
        while bpf_prog_get_next_id(id, &id) == 0 { ids.insert(id) }
        return ids
    }

    /// Re-reads `probe` until it is empty or 5 s have passed: a released program is freed by the
    /// kernel after an RCU grace period (about 250 ms here), not when its last descriptor closes.
    static func settled<C: Collection>(_ probe: () -> C) -> C {
        let deadline = Date().addingTimeInterval(5)
        var value = probe()
        while !value.isEmpty && Date() < deadline {
            usleep(5_000)
            value = probe()
        }
        return value
    }

    /// Whether a program with this id is still loaded (`bpf(BPF_PROG_GET_FD_BY_ID)`).
    static func exists(_ id: UInt32) -> Bool {
        let fd = bpf_prog_get_fd_by_id(id)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }

    /// Programs loaded now that were not in `before` and that no live process holds: what a run
    /// left behind. Exact even while other processes on the machine (other test runs) load and
    /// unload programs of their own, which a bare count before and after is not.
    static func lingering(since before: Set<UInt32>) -> Set<UInt32> {
        let new = ids().subtracting(before)
        guard !new.isEmpty else { return [] }
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
        return pids.reduce(new) { $0.subtracting(held(by: $1)) }
    }

    /// The programs process `pid` holds through a program or link descriptor: the `prog_id:`
    /// lines of `/proc/<pid>/fdinfo/*`.
    static func held(by pid: pid_t) -> Set<UInt32> {
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

/// A shell the test starts itself (not obsctl's child), blocked in `read` on a socket whose other
/// end the test holds: it goes on only when `release()` writes a line.
final class HeldShell {
    let pid: pid_t
    private var control: Int32

    init(script: String) throws {
        var pair: [Int32] = [-1, -1]
        // Close-on-exec, so that obsctl (and any other child) never holds the test's end.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &pair) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ["sh", "-c", script].map { (arg: String) in strdup(arg) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(pair[1])
        try #require(rc == 0, "posix_spawn(/bin/sh) failed: \(rc)")
        self.pid = pid
        self.control = pair[0]
    }

    /// Lets the shell's `read` return.
    func release() {
        guard control >= 0 else { return }
        _ = write(control, "go\n", 3)
        close(control)
        control = -1
    }

    /// Whether it still runs (not exited, not a zombie): `waitpid(WNOHANG)` reaps nothing.
    var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Reaps it and returns its exit code (nil when a signal killed it).
    func reap() -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    deinit {
        if control >= 0 { close(control) }
    }
}

extension [String: Any] {
    var kind: String? { self["kind"] as? String }
    var category: String? { self["category"] as? String }
    var pid: Int? { self["pid"] as? Int }
    var ppid: Int? { self["ppid"] as? Int }
    var seq: Int? { self["seq"] as? Int }
    var path: String? { self["path"] as? String }
}
