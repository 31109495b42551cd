import Glibc
import SystemPackage

/// obsctl's own platform calls on the descriptors it writes events and summaries to: the few
/// that are the CLI's business rather than the library's (whether a descriptor is a terminal,
/// and whether the reader of a pipe has gone). Writes go through swift-system's `FileDescriptor`.
enum OutputDescriptor {
    /// Backed by `isatty(3)`.
    static func isTerminal(_ fd: FileDescriptor) -> Bool { isatty(fd.rawValue) == 1 }

    /// What `poll(2)` says of a descriptor we write to, without waiting (`timeoutMs` 0) or
    /// until it is writable (-1).
    static func poll(_ fd: FileDescriptor, waitingForWritable: Bool) -> (writable: Bool, hungUp: Bool) {
        var p = pollfd(fd: fd.rawValue, events: waitingForWritable ? Int16(POLLOUT) : 0, revents: 0)
        guard Glibc.poll(&p, 1, waitingForWritable ? -1 : 0) == 1 else { return (false, false) }
        return (p.revents & Int16(POLLOUT) != 0, p.revents & Int16(POLLERR | POLLHUP) != 0)
    }
}
