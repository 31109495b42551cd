import SystemPackage

/// Reads cgroup interface files: the one reader of each, as `ProcFS` is for `/proc`, each paired
/// with the one parser of its format. Every read of a cgroup file in the library is a call here
/// (`CgroupFileRuleTests`).
///
/// A file is read by path (an open, a read, a close: a path walk each time), or through a
/// descriptor kept open with the cgroup, with `pread` at offset 0, which makes kernfs generate the
/// file afresh and, for a file that notifies (`cgroup.events`, `memory.events`, `pids.events`),
/// re-arms its `EPOLLPRI` (kernfs signals a change once per read of the same open file).
///
/// Failures are data: a file that cannot be read (a controller not enabled, a cgroup removed
/// meanwhile, an older kernel without the file) or does not parse reads as nil (as empty for a
/// controller list), and the caller treats the counter as unavailable.
enum CgroupFS {
    /// `cgroup.events`: whether the cgroup (nested ones included) holds a process, and is frozen.
    static func events(in directory: String) -> CgroupEvents? {
        ProcFS.readFile(CgroupFile.events.path(in: directory)).flatMap(CgroupEvents.init(parsing:))
    }

    /// `cgroup.events` through its kept descriptor, which re-arms its `EPOLLPRI`.
    static func events(through fd: FileDescriptor) -> CgroupEvents? {
        pread(fd, capacity: 256).flatMap(CgroupEvents.init(parsing:))
    }

    /// `cgroup.stat`: the cgroups nested in this one.
    static func stat(in directory: String) -> CgroupStat? {
        ProcFS.readFile(CgroupFile.stat.path(in: directory)).flatMap(CgroupStat.init(parsing:))
    }

    /// `cgroup.stat` through its kept descriptor.
    static func stat(through fd: FileDescriptor) -> CgroupStat? {
        pread(fd).flatMap(CgroupStat.init(parsing:))
    }

    /// `cgroup.procs`: the processes in this cgroup itself (not in nested ones).
    static func processes(in directory: String) -> CgroupProcs? {
        ProcFS.readFile(CgroupFile.procs.path(in: directory)).flatMap(CgroupProcs.init(parsing:))
    }

    /// The processes in the cgroup at `directory` and in the cgroups nested in it (their
    /// `cgroup.procs`, walking the directories).
    static func allProcesses(under directory: String) -> [Int32] {
        let own = processes(in: directory)?.processIDs ?? []
        let nested = ((try? Syscall.directoryNames(directory, directoriesOnly: true)) ?? []).flatMap {
            allProcesses(under: directory + "/" + String(decoding: $0, as: UTF8.self))
        }
        return own + nested
    }

    /// `cgroup.controllers`: the v2 controllers this cgroup can use; empty when unreadable.
    static func controllers(in directory: String) -> Set<String> {
        ProcFS.readFile(CgroupFile.controllers.path(in: directory)).flatMap(CgroupControllers.init(parsing:))?
            .names ?? []
    }

    /// `cgroup.subtree_control`: the v2 controllers this cgroup passes to its children; empty
    /// when unreadable.
    static func subtreeControl(in directory: String) -> Set<String> {
        ProcFS.readFile(CgroupFile.subtreeControl.path(in: directory)).flatMap(CgroupControllers.init(parsing:))?
            .names ?? []
    }

    /// `cpu.stat`: the CPU time of every task that was ever in the cgroup.
    static func cpuStat(in directory: String) -> CgroupCPUStat? {
        ProcFS.readFile(CgroupFile.cpuStat.path(in: directory)).flatMap(CgroupCPUStat.init(parsing:))
    }

    /// `cpu.stat` through its kept descriptor.
    static func cpuStat(through fd: FileDescriptor) -> CgroupCPUStat? {
        pread(fd).flatMap(CgroupCPUStat.init(parsing:))
    }

    /// `io.stat` (v2, io controller): bytes read and written, summed over devices.
    static func ioStat(in directory: String) -> CgroupIOStat? {
        ProcFS.readFile(CgroupFile.ioStat.path(in: directory)).flatMap(CgroupIOStat.init(parsing:))
    }

    /// `memory.events` (v2, memory controller): OOM kills among others.
    static func memoryEvents(in directory: String) -> MemoryEvents? {
        ProcFS.readFile(CgroupFile.memoryEvents.path(in: directory)).flatMap(MemoryEvents.init(parsing:))
    }

    /// `pids.events` (v2, and the v1 pids controller): forks refused at `pids.max`.
    static func pidsEvents(in directory: String) -> PidsEvents? {
        ProcFS.readFile(CgroupFile.pidsEvents.path(in: directory)).flatMap(PidsEvents.init(parsing:))
    }

    /// `memory.oom_control` (v1 memory controller): OOM kills, and whether the cgroup is out of
    /// memory now.
    static func oomControl(in directory: String) -> MemoryOOMControl? {
        ProcFS.readFile(CgroupFile.memoryOOMControl.path(in: directory)).flatMap(MemoryOOMControl.init(parsing:))
    }

    /// `memory.current` (v2): bytes charged to the cgroup now.
    static func memoryCurrent(in directory: String) -> UInt64? { counter(.memoryCurrent, directory) }
    /// `memory.peak` (v2, Linux 5.19+): the most bytes charged at once.
    static func memoryPeak(in directory: String) -> UInt64? { counter(.memoryPeak, directory) }
    /// `memory.usage_in_bytes` (v1): bytes charged now.
    static func memoryUsageInBytes(in directory: String) -> UInt64? { counter(.memoryUsageInBytes, directory) }
    /// `memory.max_usage_in_bytes` (v1): the most bytes charged at once.
    static func memoryMaxUsageInBytes(in directory: String) -> UInt64? {
        counter(.memoryMaxUsageInBytes, directory)
    }
    /// `pids.current` (v2 and v1): tasks in the cgroup now.
    static func pidsCurrent(in directory: String) -> UInt64? { counter(.pidsCurrent, directory) }
    /// `pids.peak` (v2, Linux 6.1+; v1 too): the most tasks at once.
    static func pidsPeak(in directory: String) -> UInt64? { counter(.pidsPeak, directory) }

    /// Reads a file that notifies through `fd` and discards it: re-arms its `EPOLLPRI` (the
    /// reaper's limit watches, which then read the counters by path).
    static func consume(_ fd: FileDescriptor) {
        _ = pread(fd, capacity: 512)
    }

    /// A one-number file.
    private static func counter(_ file: CgroupFile, _ directory: String) -> UInt64? {
        ProcFS.readFile(file.path(in: directory)).flatMap(CgroupCounter.init(parsing:))?.value
    }

    /// The whole of an interface file through an open descriptor (`pread` at 0, which makes
    /// kernfs generate it afresh); nil on an error.
    private static func pread(_ fd: FileDescriptor, capacity: Int = 4096) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: capacity)
        guard let n = try? buffer.withUnsafeMutableBytes({ try fd.read(fromAbsoluteOffset: 0, into: $0) }) else {
            return nil
        }
        buffer.removeSubrange(n...)
        return buffer
    }
}
