/// The observer in a leaf cgroup of its own, so that its own cgroup can pass v2 controllers down
/// to the runs.
///
/// cgroup v2 lets a non-root cgroup enable a domain controller for its children (memory, pids,
/// io in `cgroup.subtree_control`) only while it holds no process itself: the
/// no-internal-processes rule, `EBUSY` otherwise. In a cgroup delegated to it (a systemd scope
/// with `Delegate=yes`, a container's root), the observer is such a process. When it is the only
/// one there, it does what container runtimes do: it moves itself into
/// `<owner directory>/observer`, enables the controllers, and, when the last run is released,
/// disables them and moves back (`leave()`). It never moves when other processes share its
/// cgroup (it cannot move them, and would change nothing), and never writes the hierarchy's root
/// cgroup, which is the host's.
struct ObserverLeaf: Sendable {
    /// The observer's own cgroup, which it left.
    let ownDirectory: String
    /// The leaf it is in now.
    let directory: String
    /// The controllers it enabled in the own cgroup's `cgroup.subtree_control`.
    let enabled: [String]
    /// Processes of the observer's that share its cgroup and move with it (its watchdog).
    var companions: [Int32] = []

    /// What `enable` did.
    struct Outcome: Sendable {
        /// Controllers now enabled in the own cgroup that were not before.
        var enabled: [String] = []
        /// Set when the observer moved into a leaf to enable them.
        var leaf: ObserverLeaf?
        /// Why some of the wanted controllers stay unavailable to the runs, when they do.
        var note: String?
    }

    /// Enables `missing` (controllers `own` has, not yet enabled for its children) in `own`'s
    /// `cgroup.subtree_control`, moving the observer into `leafDirectory` first when the
    /// no-internal-processes rule refuses them. `companions` (the watchdog) do not count as other
    /// processes in the own cgroup, and move into the leaf and back with the observer.
    static func enable(_ missing: [String], in own: String, leafDirectory: String, companions: [Int32] = [])
        -> Outcome
    {
        var outcome = Outcome()
        let control = CgroupFile.subtreeControl.path(in: own)
        var moved = false
        for controller in missing {
            do {
                try Syscall.writeFile(control, "+" + controller)
                outcome.enabled.append(controller)
                continue
            } catch  where error == .resourceBusy && !moved {
                if let refusal = moveIn(from: own, to: leafDirectory, companions: companions) {
                    outcome.note = refusal
                    break
                }
                moved = true
            } catch {
                outcome.note =
                    "\(ByteString(control).shellQuoted) refused +\(controller): \(ErrnoName.name(of: error.rawValue))"
                continue
            }
            do {
                try Syscall.writeFile(control, "+" + controller)
                outcome.enabled.append(controller)
            } catch {
                outcome.note =
                    "\(ByteString(control).shellQuoted) refused +\(controller) even with the observer in a leaf of its own: \(ErrnoName.name(of: error.rawValue))"
            }
        }
        if moved {
            let leaf = ObserverLeaf(
                ownDirectory: own, directory: leafDirectory, enabled: outcome.enabled, companions: companions)
            if outcome.enabled.isEmpty {
                _ = leaf.leave()  // moved for nothing
            } else {
                outcome.leaf = leaf
            }
        }
        return outcome
    }

    /// Moves this process into a new leaf `directory` under its own cgroup `own`; returns why not
    /// when it cannot (nil when it moved). Its companions (the watchdog, `ObserverWatchdog`) and
    /// our spawn helper (`SpawnHelper`), when it shares the cgroup, count as part of the
    /// observer: they move with it.
    private static func moveIn(from own: String, to directory: String, companions: [Int32]) -> String? {
        let me = Syscall.processID()
        let present = CgroupFS.processes(in: own)?.processIDs ?? []
        let helper = SpawnHelper.status.processID.map { present.contains($0) ? [$0] : [] } ?? []
        let companions = companions + helper
        let members = present.filter { !companions.contains($0) }
        guard members == [me] else {
            let others = members.filter { $0 != me }.count
            return "the observer's cgroup \(ByteString(own).shellQuoted) holds \(others) other process"
                + "\(others == 1 ? "" : "es"), and cgroup v2 passes no controller down from a cgroup with "
                + "processes in it (no internal processes)"
        }
        do {
            try Syscall.makeDirectory(directory)
        } catch  where error == .fileExists {
        } catch {
            return
                "the observer's leaf \(ByteString(directory).shellQuoted) could not be made: \(ErrnoName.name(of: error.rawValue))"
        }
        do {
            try Syscall.writeFile(CgroupFile.procs.path(in: directory), "\(me)")
        } catch {
            try? Syscall.removeDirectory(directory)
            return
                "the observer could not move itself into \(ByteString(directory).shellQuoted): \(ErrnoName.name(of: error.rawValue))"
        }
        for companion in companions { try? Syscall.writeFile(CgroupFile.procs.path(in: directory), "\(companion)") }
        return nil
    }

    /// Disables what was enabled, moves the observer back into its own cgroup and removes the
    /// leaf. False when the own cgroup keeps a controller enabled (another child of it uses it),
    /// so the observer cannot move back: it stays in the leaf, which is then removed as a dead
    /// owner's after it exits.
    func leave() -> Bool {
        for controller in enabled.reversed() {
            try? Syscall.writeFile(CgroupFile.subtreeControl.path(in: ownDirectory), "-" + controller)
        }
        do {
            try Syscall.writeFile(CgroupFile.procs.path(in: ownDirectory), "\(Syscall.processID())")
        } catch {
            return false
        }
        let inLeaf = CgroupFS.processes(in: directory)?.processIDs ?? []
        let helper = SpawnHelper.status.processID.map { inLeaf.contains($0) ? [$0] : [] } ?? []
        for companion in companions + helper {
            try? Syscall.writeFile(CgroupFile.procs.path(in: ownDirectory), "\(companion)")
        }
        try? Syscall.removeDirectory(directory)
        return true
    }
}
