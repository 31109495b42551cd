/// What a kernel source reports when it stops.
struct KernelSourceStats: Sendable, Hashable {
    /// Records the kernel programs tried to send (after filtering to the tree).
    var emitted: UInt64 = 0
    /// Records the kernel could not reserve ring-buffer space for.
    var lost: UInt64 = 0
    /// Records consumed from the ring buffer. `delivered + lost == emitted`.
    var delivered: UInt64 = 0
    /// Process ids still in the tracked map at the end although they no longer exist (a defect:
    /// the exit tracepoint should have removed them). Live descendants are not listed.
    var leftoverTracked: [Int32] = []
}
