/// A descriptor of a file (anything but a socket) closed after the tree did I/O on it: its bytes
/// and calls, summed in the kernel, one event per open file rather than one per read.
///
/// What the counts cover and how a descriptor shared by `dup` or `fork` is counted are the
/// kernel's side of the contract (`Docs/IO-AND-DNS.md`). A descriptor closed without any I/O
/// emits nothing, so an `open` without a `close` is not a leak. I/O through `mmap` and through
/// `io_uring` is never in these counts.
public struct FileClose: Sendable, Hashable {
    /// The descriptor that was closed (for `exec` and `exit`, one of those the kernel closed).
    public var fd: Int32
    /// The file as the kernel names it when it is closed, walked from the open file itself (so a
    /// file opened before an attach is named too): an absolute path for a file in a filesystem,
    /// the kernel's own name for the rest (`pipe:[123]`, `anon_inode:[eventfd]`).
    public var path: CapturedString
    /// The file's path as a resolved path (source `.file`); unwalkable for a pseudo file, whose
    /// only name is `path`. Nil when paths are not resolved (`ObserverConfig.resolvesPaths`).
    public var absolutePath: ResolvedPath?
    /// Bytes returned by successful reads (`read`, `pread64`, `readv`, the input side of
    /// `sendfile`, `copy_file_range` and `splice`, …).
    public var bytesRead: UInt64
    /// Bytes returned by successful writes.
    public var bytesWritten: UInt64
    /// Successful read calls, a read that returned 0 at end of file included.
    public var reads: UInt64
    /// Successful write calls.
    public var writes: UInt64
    /// Nanoseconds from the open to the close, when the open was observed; nil for a file
    /// opened before the run saw it (inherited at an attach, opened before the attach).
    public var openNs: UInt64?
    public var closedBy: CloseReason

    public init(
        fd: Int32, path: CapturedString, absolutePath: ResolvedPath? = nil, bytesRead: UInt64 = 0,
        bytesWritten: UInt64 = 0, reads: UInt64 = 0, writes: UInt64 = 0, openNs: UInt64? = nil,
        closedBy: CloseReason = .close
    ) {
        self.fd = fd
        self.path = path
        self.absolutePath = absolutePath
        self.bytesRead = bytesRead
        self.bytesWritten = bytesWritten
        self.reads = reads
        self.writes = writes
        self.openNs = openNs
        self.closedBy = closedBy
    }
}
