import CSpawn
import SystemPackage

extension Syscall {
    /// A close-on-exec epoll instance. Backed by `epoll_create1(2)` (through the C shim).
    static func epollCreate() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try valueOrNegatedErrno(obs_epoll_create()))
    }

    /// Watches `fd` for readability, with `fd` itself as the cookie. Backed by `epoll_ctl(2)`.
    static func epollAdd(_ epoll: FileDescriptor, _ fd: FileDescriptor) throws(Errno) {
        _ = try valueOrNegatedErrno(obs_epoll_add(epoll.rawValue, fd.rawValue, 0))
    }

    /// Watches `fd` for priority events only (`EPOLLPRI`): how a cgroup's `cgroup.events` says
    /// it changed. Backed by `epoll_ctl(2)`.
    static func epollAddPriority(_ epoll: FileDescriptor, _ fd: FileDescriptor) throws(Errno) {
        _ = try valueOrNegatedErrno(obs_epoll_add(epoll.rawValue, fd.rawValue, 1))
    }

    /// A close-on-exec, non-blocking eventfd, for the cgroup v1 memory controller's OOM
    /// notification (`cgroup.event_control`). Backed by `eventfd(2)` (through the C shim).
    static func eventFD() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try valueOrNegatedErrno(obs_eventfd()))
    }

    /// Stops watching `fd`. Backed by `epoll_ctl(2)`.
    static func epollRemove(_ epoll: FileDescriptor, _ fd: FileDescriptor) throws(Errno) {
        _ = try valueOrNegatedErrno(obs_epoll_del(epoll.rawValue, fd.rawValue))
    }

    /// Waits up to `timeoutMs` (-1: no limit) and returns the ready descriptors. Backed by
    /// `epoll_wait(2)`; an interrupted wait returns none.
    static func epollWait(_ epoll: FileDescriptor, timeoutMs: Int32) throws(Errno) -> [FileDescriptor] {
        var ready = [Int32](repeating: 0, count: 64)
        let n = obs_epoll_wait(epoll.rawValue, &ready, Int32(ready.count), timeoutMs)
        if n == -Errno.interrupted.rawValue { return [] }
        return ready[0..<Int(try valueOrNegatedErrno(n))].map { FileDescriptor(rawValue: $0) }
    }
}
