import SystemPackage

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
        let failure: Errno
        do {
            try Syscall.mount("nodev", at: target, type: "tracefs")
            if Syscall.exists(target + "/events") { return .mounted(root: target) }
            failure = .noSuchFileOrDirectory  // mounted, yet without events/: what access(2) reported
        } catch {
            failure = error
        }
        let name = ErrnoName.name(of: failure.rawValue)
        if failure == .permissionDenied || failure == .notPermitted {
            return .unavailable(reason: "tracefs is not mounted and mounting it at \(target) was refused (\(name))")
        }
        return .unavailable(reason: "tracefs is not mounted and mounting it at \(target) failed (\(name))")
    }

    /// Whether `events/<category>/<name>` exists and its id can be read.
    static func hasEvent(root: String, category: String, name: String) -> Bool {
        ProcFS.readText("\(root)/events/\(category)/\(name)/id") != nil
    }
}
