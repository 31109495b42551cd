import SystemPackage

/// A byte buffer in front of a descriptor: one `write(2)` per batch instead of per event.
///
/// Writes are large: the buffer is written when it reaches `limit` (1 MiB) or when the caller
/// flushes (the watch loop does whenever its subscriber runs dry), and its storage is kept
/// between writes, so formatting into it allocates nothing.
///
/// A reader that goes away (EPIPE, with SIGPIPE ignored) closes the output quietly: later
/// writes are dropped, and `isClosed` tells the caller to wind the run down.
final class BufferedOutput {
    let fd: FileDescriptor
    /// Whether the descriptor is a terminal: decides colour and per-event flushing.
    let isTerminal: Bool
    private(set) var isClosed = false
    /// The errno of a write failure other than EPIPE (reported once by the caller).
    private(set) var failure: Errno?
    private var buffer: [UInt8] = []
    /// The size at which appends write the buffer out: large writes for a flood (a file or a
    /// pipe takes 1 MiB in one call), without holding more than that.
    private let limit = 1 << 20

    init(fd: FileDescriptor) {
        self.fd = fd
        self.isTerminal = OutputDescriptor.isTerminal(fd)
        // Room for the event that crosses the limit, so the storage is allocated once.
        buffer.reserveCapacity(limit + limit / 8)
    }

    func write(_ text: String) {
        guard !isClosed else { return }
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= limit { flush() }
    }

    /// Appends through `body`, which writes straight into the buffer (no intermediate String).
    func append(_ body: (inout [UInt8]) -> Void) {
        guard !isClosed else { return }
        body(&buffer)
        if buffer.count >= limit { flush() }
    }

    /// Writes everything buffered. Backed by `write(2)` (swift-system retries on EINTR), waiting out
    /// EAGAIN on a non-blocking descriptor we inherited.
    func flush() {
        var offset = 0
        defer {
            if offset >= buffer.count { buffer.removeAll(keepingCapacity: true) }
        }
        while offset < buffer.count, !isClosed {
            do {
                offset += try buffer.withUnsafeBytes { raw in
                    try fd.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
            } catch Errno.wouldBlock {
                _ = OutputDescriptor.poll(fd, waitingForWritable: true)
            } catch Errno.brokenPipe {
                close()
            } catch {
                failure = error as? Errno ?? .ioError
                close()
            }
        }
    }

    /// Whether the reader has gone although nothing was written since: `poll(2)` reports
    /// POLLERR (pipe) or POLLHUP (socket) on the write end then. Closes the output when so.
    /// Never true for regular files and terminals that are still open.
    func readerIsGone() -> Bool {
        guard !isClosed else { return true }
        if OutputDescriptor.poll(fd, waitingForWritable: false).hungUp {
            close()
            return true
        }
        return false
    }

    /// Stops writing: the buffer is dropped and later writes are ignored.
    private func close() {
        isClosed = true
        buffer = []
    }
}
