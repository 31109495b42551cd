#if os(Linux)
    /// What the ring-buffer thread does with each record: decode it, report the kernel losses it
    /// carries, publish its event, and notice the root's exit.
    ///
    /// Touched only by that thread while it runs, and by `EBPFEventSource.stop()` after joining it.
    final class RecordConsumer {
        let decoder: RecordDecoder
        var hub: EventHub?
        var rootProcessID: Int32 = 0
        var onRootExit: (@Sendable (ExitStatus) -> Void)?
        /// Records consumed from the ring buffer.
        var delivered: UInt64 = 0
        /// Kernel losses reported so far through the records' `lost_before`.
        var lostReported: UInt64 = 0

        init(decoder: RecordDecoder) { self.decoder = decoder }

        func handle(_ record: UnsafeRawBufferPointer) {
            delivered += 1
            guard let base = record.baseAddress, let decoded = decoder.decode(base, size: record.count) else { return }
            if decoded.lostBefore > 0 {
                lostReported += decoded.lostBefore
                hub?.publishKernelLoss(
                    decoded.lostBefore, timestampNs: decoded.event?.timestampNs ?? Clock.monotonicNs(),
                    processID: rootProcessID)
            }
            if let event = decoded.event { hub?.publish(event) }
            if let exit = decoded.exit, exit.processID == rootProcessID { onRootExit?(exit.status) }
        }
    }
#endif
