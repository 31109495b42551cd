import CSpawn
import Glibc
import SystemPackage

/// The platform seam: every libc and Linux system call the library makes goes through one
/// function here (or in `Syscall+*.swift`), in the style of swift-system's `system_*` shims.
///
/// Each function makes exactly one C call, named in its doc comment, so grepping for a libc call
/// finds exactly one line. Failures come back as `Errno` (typed throws), never as `-1` plus a
/// global; calls that can be interrupted retry on `EINTR` through `valueOrErrno`. Code above the
/// seam imports no libc module: it is plain Swift on `Errno`, `FileDescriptor` and our own types.
///
/// File descriptors are swift-system's `FileDescriptor`, whose `open`, `read`, `write` and
/// `close` are already such a seam (with EINTR retries), so they are not wrapped again.
enum Syscall {}

extension Syscall {
    /// The calling thread's `errno`, read right after a call that failed and set it: the one
    /// reader of `errno` in the library. Seam functions reach it through `valueOrErrno`; code
    /// above the seam only after a libbpf call that reports failure as NULL or -1 plus `errno`
    /// (`bpf_object__open_mem`, `bpf_program__attach_*`, `ring_buffer__new`, `bpf_map_*_elem`).
    static var lastErrno: Errno { Errno(rawValue: Glibc.errno) }
}

/// Runs `body` until it returns anything but `-1` with `EINTR`; `-1` with any other errno
/// becomes that `Errno` (read through `Syscall.lastErrno`).
@inline(__always)
func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> I) throws(Errno) -> I {
    while true {
        let value = body()
        if value != -1 { return value }
        let error = Syscall.lastErrno
        if retryOnInterrupt && error == .interrupted { continue }
        throw error
    }
}

/// For the C shim's functions, which return `-errno` (or an errno) instead of setting `errno`.
@inline(__always)
func valueOrNegatedErrno(_ value: Int32) throws(Errno) -> Int32 {
    if value < 0 { throw Errno(rawValue: -value) }
    return value
}
