/// What closed a descriptor whose I/O a `close` event sums up.
///
/// The kernel sees four ways a descriptor ends: the process asked (`close(2)`, `close_range(2)`),
/// an `execve` closed it because it was opened with `O_CLOEXEC` (or `FD_CLOEXEC` was set), or the
/// process exited with it open (its last thread's exit closes every descriptor; a process killed
/// with its files open ends here too).
public enum CloseReason: String, Sendable, Hashable, CaseIterable {
    /// `close(2)`.
    case close
    /// `close_range(2)` (which is also how some C libraries close many descriptors at once).
    case closeRange = "close_range"
    /// Close-on-exec at a successful `execve`.
    case exec
    /// The process exited (or was killed) with the descriptor open.
    case exit
}
