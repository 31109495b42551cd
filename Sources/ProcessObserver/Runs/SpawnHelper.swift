import CSpawn
import Logging
import Synchronization

/// The spawn helper: a tiny static program (`Sources/CSpawn/helper`), embedded at build time and
/// started once per process from memory (`memfd_create` + `execveat`), that creates every
/// spawned command's process for us.
///
/// Linux folds the hiwater RSS of the address space a process had before `execve` into its
/// `ru_maxrss` (`exec_mmap`), and that address space is ours when we fork or `posix_spawn`: every
/// command would report at least the observer's peak RSS as its own. The helper's children start
/// from the helper's few hundred KiB instead, and `CLONE_PARENT` keeps them our children (`wait4`,
/// pidfds, the death signal). The shim starts it from a thread of its own that lives as long as
/// the process (a `CLONE_PARENT` child's `PR_SET_PDEATHSIG` is tied to that thread), reaps it when
/// it exits, and starts another at the next spawn.
///
/// Where the helper cannot run (no `memfd_create`, `execveat` refused by a seccomp filter or a
/// `noexec` policy, a helper that could not be built) or for a command too large for one request
/// (`OBS_HELPER_MAX_REQUEST`), the shim spawns in our process as before, and the peak RSS is
/// then the larger of the command's and ours. `OBS_SPAWN_HELPER=0` in the environment turns it off.
enum SpawnHelper {
    /// The helper's program, decoded once; it lives as long as the process (the shim keeps the
    /// pointer to start the helper again).
    /// Written once, never mutated: safe to share.
    nonisolated(unsafe) private static let image: UnsafeRawBufferPointer? = {
        guard EmbeddedSpawnHelper.unavailableReason == nil, let bytes = Base64.decode(EmbeddedSpawnHelper.program),
            !bytes.isEmpty
        else { return nil }
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        image.copyBytes(from: bytes)
        return UnsafeRawBufferPointer(image)
    }()

    /// What the shim is told about the helper, once.
    private static let installed: Void = {
        guard let image else {
            obs_helper_disable(EmbeddedSpawnHelper.unavailableReason ?? "the embedded spawn helper is empty")
            return
        }
        obs_helper_set_image(image.baseAddress, image.count)
        if Syscall.environmentValue("OBS_SPAWN_HELPER") == "0" {
            obs_helper_disable("OBS_SPAWN_HELPER=0 is set")
        }
    }()

    /// Hands the helper's program to the shim (once); the helper itself starts at the first spawn.
    static func prepare() { installed }

    /// Starts the helper in the background when none runs (`obs_helper_warm`), so that a start
    /// busy with something else (its eBPF load, on another thread) does not pay for it after.
    static func warm() {
        prepare()
        obs_helper_warm()
    }

    /// The running helper, or why there is none.
    struct Status: Equatable {
        /// nil when no helper runs.
        var processID: Int32?
        /// Our end of its socket, the one descriptor it keeps open in our process.
        var descriptor: Int32?
        /// How many times it was started.
        var starts: UInt32
        /// Why it does not run ("" when it does).
        var reason: String
    }

    static var status: Status {
        var pid: pid_t = 0
        var fd: Int32 = -1
        var generation: UInt32 = 0
        var reason = [CChar](repeating: 0, count: 256)
        let running = obs_helper_status(&pid, &fd, &generation, &reason, reason.count) != 0
        return Status(
            processID: running ? pid : nil, descriptor: running ? fd : nil, starts: generation,
            reason: String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Turns the helper off (`false`: every later spawn is made in our process, as without it)
    /// or back on. For tests of both paths.
    static func setEnabled(_ enabled: Bool) {
        prepare()
        if enabled, let image {
            obs_helper_set_image(image.baseAddress, image.count)
        } else if !enabled {
            obs_helper_disable("turned off")
        }
    }

    /// Logs at debug level, once per process, when spawns are made in our own process.
    static func logFallback(_ logger: Logger) {
        guard !fallbackLogged.load(ordering: .relaxed) else { return }
        let status = status
        guard status.processID == nil, !fallbackLogged.exchange(true, ordering: .relaxed) else { return }
        logger.debug(
            "the spawn helper does not run (\(status.reason)); commands are spawned from this process, and their peak RSS includes this process's"
        )
    }

    private static let fallbackLogged = Atomic<Bool>(false)
}
