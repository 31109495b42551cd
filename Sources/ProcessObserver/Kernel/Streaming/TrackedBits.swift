import CObserverBPF

/// User space's mapping of `obs_tracked_bits` (one bit per pid, `bpf/obs_maps.bpf.h`), through
/// which each process user space tracks gets its bit: the programs check the bit before the
/// tracked map, so a process whose bit is clear is outside the tree, and a tracked process
/// without its bit would be lost. The kernel sets and clears the bits of the processes it tracks
/// itself (fork, exit); this only ever sets, with an atomic or.
///
/// Not thread-safe: `EBPFEventSource` calls it under its lock.
final class TrackedBits {
    static let length = Int(OBS_TRACKED_WORDS) * MemoryLayout<UInt64>.size
    private var base: UnsafeMutableRawPointer?

    /// Maps the array behind `mapFD` (`BPF_F_MMAPABLE`).
    init(mapFD: Int32) throws(BPFObject.Failure) {
        do {
            base = try Syscall.mapShared(mapFD, length: Self.length)
        } catch {
            throw BPFObject.Failure(step: "mmap of \(OBS_MAP_TRACKED_BITS)", errno: error, log: "")
        }
    }

    deinit { close() }

    /// Sets `processID`'s bit (a pid past the array has none: the programs then look it up).
    func set(_ processID: Int32) {
        guard let base, processID >= 0, processID / 64 < Int32(OBS_TRACKED_WORDS) else { return }
        obs_tracked_bits_set(base, UInt32(processID))
    }

    /// Unmaps the array; later `set`s do nothing.
    func close() {
        guard let base else { return }
        Syscall.unmap(base, length: Self.length)
        self.base = nil
    }
}
