#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A byte buffer in front of a descriptor: one `write(2)` per batch instead of per event.
///
/// A reader that goes away (EPIPE, with SIGPIPE ignored) closes the output quietly: later
/// writes are dropped, and `isClosed` tells the caller to wind the run down.
final class BufferedOutput {
    let fd: Int32
    /// Whether the descriptor is a terminal: decides colour and per-event flushing.
    let isTerminal: Bool
    private(set) var isClosed = false
    /// The errno of a write failure other than EPIPE (reported once by the caller).
    private(set) var failure: Int32?
    private var buffer: [UInt8] = []
    private let limit = 64 * 1024

    init(fd: Int32) {
        self.fd = fd
        self.isTerminal = isatty(fd) == 1
        buffer.reserveCapacity(limit)
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

    /// Writes everything buffered. Backed by `write(2)`, retrying on EINTR and waiting out
    /// EAGAIN on a non-blocking descriptor we inherited.
    func flush() {
        var offset = 0
        defer {
            if offset >= buffer.count { buffer.removeAll(keepingCapacity: true) }
        }
        while offset < buffer.count, !isClosed {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n >= 0 {
                offset += n
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN:
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, -1)
            case EPIPE:
                close()
            default:
                failure = errno
                close()
            }
        }
    }

    /// Whether the reader has gone although nothing was written since: `poll(2)` reports
    /// POLLERR (pipe) or POLLHUP (socket) on the write end then. Closes the output when so.
    /// Never true for regular files and terminals that are still open.
    func readerIsGone() -> Bool {
        guard !isClosed else { return true }
        var p = pollfd(fd: fd, events: 0, revents: 0)
        if poll(&p, 1, 0) == 1, p.revents & Int16(POLLERR | POLLHUP) != 0 {
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
