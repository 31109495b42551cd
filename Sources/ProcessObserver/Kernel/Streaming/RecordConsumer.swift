/// What the ring-buffer thread does with each record: decode it, report the kernel losses it
/// carries, publish its event, and notice the root's exit.
///
/// Touched only by that thread while it runs, and by `EBPFEventSource.stop()` after joining it.
final class RecordConsumer {
    let decoder: RecordDecoder
    var hub: EventHub?
    var rootProcessID: Int32 = 0
    var onRootExit: (@Sendable (ProcessEnd) -> Void)?
    /// Well-formed records consumed from the ring buffer.
    var delivered: UInt64 = 0
    /// Records consumed but dropped because they broke the contract (`RecordDecoder.Malformed`).
    var malformed: UInt64 = 0
    /// The first malformed record's reason, for the defect report.
    var firstMalformed: String?
    /// Kernel losses reported so far through the records' `lost_before`.
    var lostReported: UInt64 = 0

    /// The syscall summary's maps, when the run counts syscalls: a process's summary is published
    /// just before its exit event.
    var summary: SyscallSummaryReader?

    init(decoder: RecordDecoder) { self.decoder = decoder }

    func handle(_ record: UnsafeRawBufferPointer) {
        let decoded: RecordDecoder.Decoded
        do {
            decoded = try decoder.decode(record)
        } catch {
            // A defect (the programs and the decoder disagree): the record is lost, and said so
            // in the stream as one kernel loss, after the losses its header carried.
            malformed += 1
            if firstMalformed == nil { firstMalformed = error.reason }
            let now = error.timestampNs ?? Clock.monotonicNs()
            reportKernelLoss(error.lostBefore, timestampNs: now)
            hub?.publishKernelLoss(1, timestampNs: now, processID: rootProcessID)
            return
        }
        delivered += 1
        reportKernelLoss(decoded.lostBefore, timestampNs: decoded.event?.timestampNs ?? Clock.monotonicNs())
        if let summary, let exit = decoded.exit, let event = decoded.event,
            let counts = summary.take(UInt32(bitPattern: exit.processID))
        {
            var syscalls = event
            syscalls.kind = .syscalls(counts)
            hub?.publish(syscalls)
        }
        if let event = decoded.event { hub?.publish(event) }
        if let exit = decoded.exit, exit.processID == rootProcessID { onRootExit?(exit.end) }
    }

    /// Publishes the records this CPU lost before the one just consumed (`lost_before`).
    private func reportKernelLoss(_ count: UInt64, timestampNs: UInt64) {
        guard count > 0 else { return }
        lostReported += count
        hub?.publishKernelLoss(count, timestampNs: timestampNs, processID: rootProcessID)
    }
}
