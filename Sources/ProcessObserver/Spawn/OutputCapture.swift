import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reads one captured pipe to EOF on its own thread, keeping the first `limit` bytes.
final class OutputCapture: @unchecked Sendable {
    private let fd: FileDescriptor
    private let limit: Int
    private var bytes: [UInt8] = []
    private var truncated = false
    private var thread: OSThread?

    init(reading fd: FileDescriptor, limit: Int) {
        self.fd = fd
        self.limit = max(0, limit)
    }

    func start() {
        thread = OSThread(name: "obs-capture") { [self] in self.readAll() }
    }

    private func readAll() {
        var pfd = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd.rawValue, $0.baseAddress, $0.count) }
            if n > 0 {
                let room = limit - bytes.count
                if room > 0 { bytes.append(contentsOf: chunk[0..<min(n, room)]) }
                if n > room { truncated = true }
            } else if n == 0 {
                break
            } else if errno == EAGAIN {
                _ = poll(&pfd, 1, -1)
            } else if errno != EINTR {
                break
            }
        }
        try? fd.close()
    }

    /// Waits for EOF and returns what was kept.
    func finish() -> (bytes: [UInt8], truncated: Bool) {
        thread?.join()
        thread = nil
        return (bytes, truncated)
    }
}
