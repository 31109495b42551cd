/// The paths the run's opens resolved, by process and descriptor, so that a `close` whose record
/// says its path is its open's (`OBS_SOURCE_OPENED`) is named without a second walk in the kernel.
///
/// The kernel sends such a close only when it sent the open that made the descriptor, with the
/// file's whole path, and nothing since can have renamed it (no rename or rmdir in the run, the
/// dentry not unlinked): the ring buffer keeps records in the order they were reserved, so that
/// open is always here first. A process's descriptors are forgotten at its exit record (its exit
/// sweep's closes come before it). A close that finds nothing (the open's record was lost to a
/// full ring, which the stream reports) says its path was unreadable.
///
/// Touched only by the ring-buffer thread, through `RecordConsumer`.
struct OpenPathTable {
    private var paths: [Int32: [Int32: ResolvedPath]] = [:]

    /// Notes the path of a successful open of `processID`.
    mutating func opened(processID: Int32, fd: Int32, path: ResolvedPath) {
        paths[processID, default: [:]][fd] = path
    }

    /// The path of `fd`'s open, forgotten: the descriptor is closed.
    mutating func closed(processID: Int32, fd: Int32) -> ResolvedPath? {
        paths[processID]?.removeValue(forKey: fd)
    }

    /// Forgets every descriptor of `processID`, which exited.
    mutating func exited(processID: Int32) {
        paths.removeValue(forKey: processID)
    }

    /// Keeps what `event` (from the ring) tells about descriptors, and names a close whose path is
    /// its open's (`pathFromOpen`).
    mutating func track(_ event: inout ObserverEvent, pathFromOpen: Bool) {
        switch event.kind {
        case .open(let open):
            if open.result.succeeded, let path = open.absolutePath, path.source == .file {
                opened(processID: event.processID, fd: Int32(truncatingIfNeeded: open.result.rawValue), path: path)
            }
        case .close(var close):
            let path = closed(processID: event.processID, fd: close.fd)
            guard pathFromOpen else { return }
            if let path {
                close.path = CapturedString(path.value, truncated: path.truncated)
                close.absolutePath = path
            } else {
                close.path.unreadable = true
                close.absolutePath = ResolvedPath(ByteString(bytes: []), source: .file, unwalkable: true)
            }
            event.kind = .close(close)
        default:
            // No other kind opens or closes a file descriptor with a path.
            break
        }
    }
}
