/// What a kernel source reports when it stops.
struct KernelSourceStats: Sendable, Hashable {
    /// Records the kernel programs tried to send (after filtering to the tree).
    var emitted: UInt64 = 0
    /// Records that never became events: those the kernel could not reserve ring-buffer space
    /// for, plus `malformed` ones. Each was reported in the stream as a kernel `lost` event.
    var lost: UInt64 = 0
    /// Of `lost`, records consumed but dropped because they broke the kernel contract (size
    /// rule, unknown type or operation): a defect, none expected.
    var malformed: UInt64 = 0
    /// Well-formed records consumed from the ring buffer. `delivered + lost == emitted`.
    var delivered: UInt64 = 0
    /// Process ids still in the tracked map at the end although they no longer exist (a defect:
    /// the exit tracepoint should have removed them). Live descendants are not listed.
    var leftoverTracked: [Int32] = []
}
