import CSpawn
import SystemPackage

/// Starts a child with nothing to register in the kernel first: no start gate, no page tables
/// copied. A cgroup to enter, or the death signal, needs our own vfork-like clone (the child puts
/// itself in the cgroup before exec, `Spawner.spawnJoining`); otherwise glibc's posix_spawn.
struct SpawnLaunch: RunLaunch {
    var command: Spawner.Command
    var cgroup: RunCgroup?

    func launch() throws(ObserverError) -> LaunchedRun {
        let startNs = Clock.monotonicNs()
        let pid: Int32
        if cgroup != nil || command.deathSignal != 0 {
            let join = try cgroup?.procsFiles() ?? (all: [], opened: [])
            defer { for fd in join.opened { try? fd.close() } }
            pid = try Spawner.spawnJoining(command, join: join.all)
        } else {
            pid = try Spawner.spawnDirect(command)
        }
        let pidfd: FileDescriptor
        do {
            pidfd = try Spawner.pidfd(for: pid, failure: ObserverError.starting(command.path))
        } catch {
            // The child is running and nothing would reap it: end it (and what it may already
            // have started, in its group or cgroup) and wait for it here.
            if let cgroup { cgroup.kill() } else { Syscall.signalGroup(pid, SignalNumber.kill) }
            try? Syscall.kill(pid, SignalNumber.kill)
            _ = Spawner.wait4Blocking(pid)
            throw error
        }
        return LaunchedRun(
            root: .child(processID: pid, pidfd: pidfd), startNs: startNs, started: [command.startedEvent(pid, startNs)])
    }
}

/// Starts a child through the start gate: it waits, forked, until its pid is in the kernel's
/// tracked map (and in its v1 controller cgroups), so its very first instructions (the loader's
/// opens) are observed and contained. What it does before the session starts delivery waits in
/// the ring buffer, not lost.
struct GatedSpawnLaunch: RunLaunch {
    var command: Spawner.Command
    var cgroup: RunCgroup?
    var kernel: any KernelEventSource

    func launch() throws(ObserverError) -> LaunchedRun {
        var child = try Spawner.forkGated(command)
        let pid = child.pid
        let pidfd: FileDescriptor
        do throws(ObserverError) {
            pidfd = try Spawner.pidfd(for: pid, failure: ObserverError.starting(command.path))
            do throws(ObserverError) {
                try kernel.trackGated(processID: pid)
                try cgroup?.add(pid, toUnified: child.in_cgroup == 0)
            } catch {
                try? pidfd.close()
                throw error
            }
        } catch {
            Syscall.signalGroup(pid, SignalNumber.kill)
            _ = Spawner.release(&child, command)
            _ = Spawner.wait4Blocking(pid)
            throw error
        }
        let startNs = Clock.monotonicNs()
        if let failure = Spawner.release(&child, command) {
            // The child's records (its exit with 127) stay in the ring and go with it: a start
            // that failed delivers no event.
            _ = Spawner.wait4Blocking(pid)
            try? pidfd.close()
            throw failure
        }
        return LaunchedRun(
            root: .child(processID: pid, pidfd: pidfd), startNs: startNs, started: [command.startedEvent(pid, startNs)])
    }
}

extension Spawner.Command {
    /// The spawned root's `started` event: its parent is the observer.
    func startedEvent(_ pid: Int32, _ startNs: UInt64) -> ObserverEvent {
        ObserverEvent(
            timestampNs: startNs, category: .lifecycle, processID: pid, parentProcessID: Syscall.processID(),
            kind: .started(Started(argv: argv, path: path)))
    }
}
