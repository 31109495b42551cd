/// A process's I/O totals at its exit, from the kernel's own accounting (`task_io_accounting`,
/// what `/proc/PID/io` prints), summed over its threads.
///
/// These cover every read and write call the process made, `mmap` excepted (a page fault is not a
/// read call); `io_uring` requests are not counted in `rchar`/`syscr` by the kernel either, which
/// is why `usesIOUring` is reported beside them.
public struct ProcessIO: Sendable, Hashable {
    /// Bytes returned by read-like calls (`rchar`), from any file, socket or pipe.
    public var readChars: UInt64
    /// Bytes passed to write-like calls (`wchar`).
    public var writtenChars: UInt64
    /// Read calls (`syscr`).
    public var readCalls: UInt64
    /// Write calls (`syscw`).
    public var writeCalls: UInt64
    /// Bytes the process caused to be fetched from storage (`read_bytes`).
    public var readBytes: UInt64
    /// Bytes the process caused to be sent to storage (`write_bytes`).
    public var writeBytes: UInt64
    /// Bytes of `writeBytes` that were never written after all: page cache the process dirtied
    /// and then truncated away (`cancelled_write_bytes`).
    public var cancelledWriteBytes: UInt64
    /// The process called `io_uring_setup`: its io_uring I/O is in none of the per-file counts.
    public var usesIOUring: Bool

    public init(
        readChars: UInt64 = 0, writtenChars: UInt64 = 0, readCalls: UInt64 = 0, writeCalls: UInt64 = 0,
        readBytes: UInt64 = 0, writeBytes: UInt64 = 0, cancelledWriteBytes: UInt64 = 0, usesIOUring: Bool = false
    ) {
        self.readChars = readChars
        self.writtenChars = writtenChars
        self.readCalls = readCalls
        self.writeCalls = writeCalls
        self.readBytes = readBytes
        self.writeBytes = writeBytes
        self.cancelledWriteBytes = cancelledWriteBytes
        self.usesIOUring = usesIOUring
    }
}
