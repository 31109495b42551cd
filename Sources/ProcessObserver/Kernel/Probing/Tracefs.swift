import Glibc

/// Where tracefs is, mounting it when this process may (`mount -t tracefs nodev
/// /sys/kernel/tracing`). Classic tracepoint programs need it at attach time: libbpf reads
/// `events/<category>/<name>/id` there.
enum Tracefs {
    enum State: Hashable, Sendable {
        case mounted(root: String)
        case unavailable(reason: String)
    }

    /// libbpf 1.1 looks in /sys/kernel/debug/tracing when that exists, else /sys/kernel/tracing.
    static func locate() -> State {
        for root in ["/sys/kernel/debug/tracing", "/sys/kernel/tracing"] where Syscall.exists(root) {
            if Syscall.exists(root + "/events") { return .mounted(root: root) }
            break
        }
        let target = "/sys/kernel/tracing"
        guard Syscall.exists(target) else {
            return .unavailable(reason: "the kernel has no tracefs (\(target) does not exist; CONFIG_TRACING)")
        }
        if mount("nodev", target, "tracefs", 0, nil) == 0, Syscall.exists(target + "/events") {
            return .mounted(root: target)
        }
        let e = errno
        if e == EACCES || e == EPERM {
            return .unavailable(
                reason: "tracefs is not mounted and mounting it at \(target) was refused (\(ErrnoName.name(of: e)))"
            )
        }
        return .unavailable(
            reason: "tracefs is not mounted and mounting it at \(target) failed (\(ErrnoName.name(of: e)))")
    }

    /// Whether `events/<category>/<name>` exists and its id can be read.
    static func hasEvent(root: String, category: String, name: String) -> Bool {
        ProcFS.readText("\(root)/events/\(category)/\(name)/id") != nil
    }
}
