import Foundation
import ProcessObserver
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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
