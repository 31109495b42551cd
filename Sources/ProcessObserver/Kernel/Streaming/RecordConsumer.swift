/// What the ring-buffer thread does with each record: decode it, report the kernel losses it
/// carries, publish its event, and notice the root's exit.
///
/// Events are published in batches, not one by one: those of one ring-buffer drain (at most
/// `batchLimit`) go to the hub together (`flush()`), so a burst costs one hub lock and one
/// wake-up of each reader instead of one per event (issue 23). The reader flushes after every
/// drain, and the consumer itself before it reports the root's exit, so nothing waits longer
/// than the drain that found it.
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
    /// Events decoded since the last `flush()`, in ring order; the storage is kept between batches.
    private var pending: [ObserverEvent] = []

    /// The most events held before they are published: bounds the delay and the memory of a
    /// long drain (a flood refills the ring while it is read).
    static let batchLimit = 1024

    /// The syscall summary's maps, when the run counts syscalls: a process's summary is published
    /// just before its exit event.
    var summary: SyscallSummaryReader?
    /// Whether the kernel sends each process's summary (`obs_sc_rec`, `obs_sc_emit_cpus`): then
    /// nothing is read at the exit record.
    var summaryInKernel = false
    /// The parts of a summary whose last record has not come yet, by process.
    private var summaryParts: [Int32: [SyscallCount]] = [:]

    /// Pairs the tree's DNS payloads into `dns` events, and names the addresses of connects,
    /// accepts and socket closes (`peer_name`) from the answers: with the network category only.
    var dns: DNSTracker?

    /// The paths of the run's opens, for the closes whose record names none (`OBS_SOURCE_OPENED`).
    private var openPaths = OpenPathTable()

    init(decoder: RecordDecoder) {
        self.decoder = decoder
        if decoder.categories.contains(.network) { dns = DNSTracker() }
    }

    func handle(_ record: UnsafeRawBufferPointer) {
        var decoded: RecordDecoder.Decoded
        do {
            decoded = try decoder.decode(record)
        } catch {
            // A defect (the programs and the decoder disagree): the record is lost, and said so
            // in the stream as one kernel loss, after the losses its header carried.
            malformed += 1
            if firstMalformed == nil { firstMalformed = error.reason }
            let now = error.timestampNs ?? Clock.monotonicNs()
            reportKernelLoss(error.lostBefore, timestampNs: now)
            enqueue(EventHub.kernelLoss(1, timestampNs: now, processID: rootProcessID))
            return
        }
        delivered += 1
        reportKernelLoss(
            decoded.lostBefore,
            timestampNs: decoded.event?.timestampNs ?? decoded.dns?.event.timestampNs ?? Clock.monotonicNs())
        if let last = decoded.summaryLast {
            // A summary the kernel built: its records come just before the process's exit
            // record, the last one saying so; published whole, then.
            guard let event = decoded.event.take(), case .syscalls(let part) = event.kind else { return }
            let pid = event.processID
            guard last else {
                summaryParts[pid, default: []] += part.syscalls
                return
            }
            var whole = event
            whole.kind = .syscalls(
                SyscallSummary(
                    syscalls: SyscallSummary.ordered((summaryParts.removeValue(forKey: pid) ?? []) + part.syscalls),
                    dropped: part.dropped))
            enqueue(whole)
            return
        }
        if let payload = decoded.dns, dns != nil {
            for output in dns!.take(payload.payload, event: payload.event) { enqueue(Self.event(output)) }
            return
        }
        if decoded.event != nil { openPaths.track(&decoded.event!, pathFromOpen: decoded.pathFromOpen) }
        if dns != nil, decoded.event != nil { nameAndExpire(&decoded.event!) }
        // A process's unanswered queries time out at its exit record, which comes whether or
        // not the process category (its `exit` event) is on.
        if dns != nil, let exit = decoded.exit {
            for output in dns!.processExited(exit.processID, at: decoded.timestampNs) { enqueue(Self.event(output)) }
        }
        if let exit = decoded.exit { openPaths.exited(processID: exit.processID) }
        if let event = decoded.event.take() {
            // The summary's `syscalls` event of a process goes just before its exit, in the same
            // batch: a subscriber reads a process's counts before it learns the process ended.
            if let summary, !summaryInKernel, let exit = decoded.exit,
                let counts = summary.take(UInt32(bitPattern: exit.processID))
            {
                var syscalls = event
                syscalls.kind = .syscalls(counts)
                enqueue(syscalls)
            }
            enqueue(event)
        }
        if let exit = decoded.exit, exit.processID == rootProcessID, let onRootExit {
            flush()
            onRootExit(exit.end)
        }
    }

    /// Gives a connect, accept or socket close the name the run resolved for its peer, and
    /// reports the DNS queries a socket close leaves unanswered, before it.
    private func nameAndExpire(_ event: inout ObserverEvent) {
        switch event.kind {
        case .connect(var operation):
            operation.peerName = dns!.names.name(for: operation.address)
            if operation.peerName != nil { event.kind = .connect(operation) }
        case .accept(var operation):
            operation.peerName = dns!.names.name(for: operation.address)
            if operation.peerName != nil { event.kind = .accept(operation) }
        case .socketClose(var close):
            for output in dns!.socketClosed(processID: event.processID, fd: close.fd, at: event.timestampNs) {
                enqueue(Self.event(output))
            }
            if let peer = close.peer, let name = dns!.names.name(for: peer) {
                close.peerName = name
                event.kind = .socketClose(close)
            }
        default:
            // No other kind has a peer to name or ends a socket's queries.
            break
        }
    }

    /// Reports every DNS query still unanswered as timed out, at the run's end.
    func finishDNS() {
        guard dns != nil else { return }
        for output in dns!.finish(at: Clock.monotonicNs()) { enqueue(Self.event(output)) }
        flush()
    }

    private static func event(_ output: DNSTracker.Output) -> ObserverEvent {
        var event = output.event
        event.category = .network
        event.kind = .dns(output.exchange)
        return event
    }

    /// Publishes the events held since the last flush, in one batch.
    func flush() {
        guard !pending.isEmpty else { return }
        hub?.publish(&pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Holds `event` for the next flush (none without a hub), flushing when the batch is full.
    private func enqueue(_ event: consuming ObserverEvent) {
        guard hub != nil else { return }
        if pending.capacity == 0 { pending.reserveCapacity(Self.batchLimit) }
        pending.append(event)
        if pending.count >= Self.batchLimit { flush() }
    }

    /// Publishes the records this CPU lost before the one just consumed (`lost_before`).
    private func reportKernelLoss(_ count: UInt64, timestampNs: UInt64) {
        guard count > 0 else { return }
        lostReported += count
        enqueue(EventHub.kernelLoss(count, timestampNs: timestampNs, processID: rootProcessID))
    }
}
