import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Two pipes to talk to a child: the child reads its stdin from `read` and writes its replies to
/// `replyWrite`; the test writes to the child and reads its replies, so each side waits on the
/// other instead of on a clock. All ends are close-on-exec (the spawn shim `dup2`s the child's
/// copies onto 0 and 1, which clears the flag there).
final class ChildPipes {
    let read: FileDescriptor
    let write: FileDescriptor
    let replyRead: FileDescriptor
    let replyWrite: FileDescriptor
    private var buffered: [UInt8] = []
    private var childEndsClosed = false
    private var released = false

    init() throws {
        (read, write) = try Self.closeOnExecPipe()
        (replyRead, replyWrite) = try Self.closeOnExecPipe()
    }

    /// `pipe(2)` then `FD_CLOEXEC` on both ends. Not atomic (Glibc's Swift module lacks `pipe2`):
    /// a concurrent spawn may inherit a copy, which is why `release()` sends a line rather than
    /// relying on EOF alone.
    private static func closeOnExecPipe() throws -> (FileDescriptor, FileDescriptor) {
        let (r, w) = try FileDescriptor.pipe()
        _ = fcntl(r.rawValue, F_SETFD, FD_CLOEXEC)
        _ = fcntl(w.rawValue, F_SETFD, FD_CLOEXEC)
        return (r, w)
    }

    /// Closes our copies of the child's ends once it has been spawned, so EOF can be seen.
    func closeChildEnds() {
        guard !childEndsClosed else { return }
        childEndsClosed = true
        try? read.close()
        try? replyWrite.close()
    }

    /// One line from the child, without its newline; nil at EOF.
    func readLine() -> String? {
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 256)
            guard let n = try? chunk.withUnsafeMutableBytes({ try replyRead.read(into: $0) }), n > 0 else {
                return nil
            }
            buffered += chunk[..<n]
        }
    }

    /// Sends a line to the child.
    func send(_ line: String) {
        _ = try? write.writeAll(Array((line + "\n").utf8))
    }

    /// Sends the child a last line and closes its stdin, so a child blocked in a line read
    /// (`<STDIN>`, `read`) goes on.
    func release() {
        guard !released else { return }
        released = true
        send("go")
        try? write.close()
    }

    deinit {
        closeChildEnds()
        release()
        try? replyRead.close()
    }
}
