import CLibbpf
import CObserverBPF
import Synchronization
import SystemPackage

/// Reads the `obs_events` ring buffer (`ring_buffer__new`) on a thread of its own and hands
/// every record to a `RecordConsumer`.
///
/// The thread calls `ring_buffer__poll` with a short timeout and then `ring_buffer__consume`:
/// records are submitted without a wakeup until `wakeupBytes` are queued (each wakeup is an
/// IPI, about 4 µs in these VMs), so most batches are found by the timeout, and libbpf 1.1's
/// poll only consumes rings epoll reported ready. `stop()` wakes the poll through an eventfd in
/// the ring's epoll set, so ending a run never waits out a poll's timeout.
///
/// Not thread-safe: one owner starts, stops and frees it.
final class RingBufferReader {
    let consumer: RecordConsumer
    private var ring: OpaquePointer?
    private var thread: OSThread?
    private let stopping = StopFlag()
    /// Wakes the polling thread at `stop()` (`obs_ring_wake_fd`); -1 when it could not be made,
    /// and the thread then notices the stop at its next timeout.
    private var wakeFD: Int32 = -1

    /// How long one poll waits before consuming what the producers queued without a wakeup.
    static let pollTimeoutMs: Int32 = 10

    /// Opens the ring buffer behind `mapFD`; records go to `consumer`.
    init(mapFD: Int32, consumer: RecordConsumer) throws(BPFObject.Failure) {
        self.consumer = consumer
        var opts = ring_buffer_opts()
        opts.sz = MemoryLayout<ring_buffer_opts>.size
        guard
            let ring = ring_buffer__new(
                mapFD,
                { ctx, data, size in
                    guard let ctx, let data else { return 0 }
                    Unmanaged<RecordConsumer>.fromOpaque(ctx).takeUnretainedValue().handle(
                        UnsafeRawBufferPointer(start: data, count: size))
                    return 0
                }, Unmanaged.passUnretained(consumer).toOpaque(), &opts)
        else {
            throw BPFObject.Failure(step: "ring_buffer__new", errno: Syscall.lastErrno, log: LibbpfLog.take())
        }
        self.ring = ring
        wakeFD = obs_ring_wake_fd(ring)
    }

    deinit { free() }

    /// Starts the polling thread. Does nothing once started or freed.
    func start() {
        guard thread == nil, let ring else { return }
        let stopping = self.stopping
        nonisolated(unsafe) let rb = ring
        thread = OSThread(name: "obs-ringbuf") {
            while !stopping.value.load(ordering: .acquiring) {
                _ = ring_buffer__poll(rb, RingBufferReader.pollTimeoutMs)
                _ = ring_buffer__consume(rb)
            }
        }
    }

    /// Stops the polling thread after its current poll, joins it, and consumes what is left.
    func stop() {
        stopping.value.store(true, ordering: .releasing)
        if wakeFD >= 0 { _ = obs_ring_wake(wakeFD) }
        thread?.join()
        thread = nil
        if let ring { _ = ring_buffer__consume(ring) }
    }

    /// Frees the ring buffer (`ring_buffer__free`). Idempotent; call after `stop()`.
    func free() {
        if let ring { ring_buffer__free(ring) }
        ring = nil
        if wakeFD >= 0 { try? FileDescriptor(rawValue: wakeFD).close() }
        wakeFD = -1
    }
}

/// Tells the polling thread to return after its current poll.
private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}
