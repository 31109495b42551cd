import SystemPackage

/// A descriptor that becomes ready when one of a run's limit counters changes, so a `limit`
/// event is published as the kernel enforces the limit, not when the run ends.
///
/// Two kinds: a cgroup v2 interface file (`memory.events`, `pids.events`), which kernfs signals
/// as `EPOLLPRI` once per change and per read of the open file; and, for the v1 memory
/// controller, which has no such file, an eventfd registered through `cgroup.event_control` on
/// `memory.oom_control`, readable when the cgroup runs out of memory (before the OOM killer has
/// counted its kill: the run reads the counters again shortly after). The v1 `pids.events` is
/// never signalled (measured here: no `EPOLLPRI` after a refused fork), so a run with a process
/// limit on a v1 pids controller reads it every `pollIntervalNs` instead (`needsPolling`).
struct LimitWatch: Sendable {
    enum Kind: Sendable {
        case interfaceFile
        case oomEventFD
    }

    let fd: FileDescriptor
    let kind: Kind

    /// Re-arms the descriptor: reads the file through it, or drains the eventfd.
    func rearm() {
        switch kind {
        case .interfaceFile:
            CgroupFS.consume(fd)
        case .oomEventFD:
            Syscall.drainWakeups(fd)
        }
    }

    /// The watches for the limits a run has: none for a resource without a limit.
    static func open(for cgroup: RunCgroup, limits: ResourceLimits) -> [LimitWatch] {
        var watches: [LimitWatch] = []
        func file(_ path: String) {
            guard Syscall.exists(path),
                let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
            else { return }
            let watch = LimitWatch(fd: fd, kind: .interfaceFile)
            watch.rearm()
            watches.append(watch)
        }
        if limits.memoryBytes != nil {
            if Syscall.exists(CgroupFile.memoryEvents.path(in: cgroup.directory)) {
                file(CgroupFile.memoryEvents.path(in: cgroup.directory))
            } else if let v1 = cgroup.v1Directories["memory"], let watch = oomEventFD(v1) {
                watches.append(watch)
            }
        }
        if limits.processCount != nil { file(CgroupFile.pidsEvents.path(in: cgroup.directory)) }
        return watches
    }

    /// How often a limit no descriptor signals is read.
    static let pollIntervalNs: UInt64 = 100_000_000

    /// Whether the run's process limit is on a v1 pids controller, whose `pids.events` no
    /// descriptor signals.
    static func needsPolling(_ cgroup: RunCgroup, limits: ResourceLimits) -> Bool {
        limits.processCount != nil && !Syscall.exists(CgroupFile.pidsEvents.path(in: cgroup.directory))
            && cgroup.v1Directories["pids"] != nil
    }

    /// cgroup v1: `"<eventfd> <fd of memory.oom_control>"` written to `cgroup.event_control`.
    private static func oomEventFD(_ directory: String) -> LimitWatch? {
        guard let event = try? Syscall.eventFD() else { return nil }
        guard
            let control = try? FileDescriptor.open(
                FilePath(CgroupFile.memoryOOMControl.path(in: directory)), .readOnly, options: [.closeOnExec])
        else {
            try? event.close()
            return nil
        }
        defer { try? control.close() }
        guard
            (try? Syscall.writeFile(
                CgroupFile.eventControl.path(in: directory), "\(event.rawValue) \(control.rawValue)"))
                != nil
        else {
            try? event.close()
            return nil
        }
        return LimitWatch(fd: event, kind: .oomEventFD)
    }
}
