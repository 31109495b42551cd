import SystemPackage

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
        defer { try? fd.close() }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            } catch Errno.wouldBlock {
                _ = Syscall.waitReadable(fd)
                continue
            } catch {
                return
            }
            if n == 0 { return }
            let room = limit - bytes.count
            if room > 0 { bytes.append(contentsOf: chunk[0..<min(n, room)]) }
            if n > room { truncated = true }
        }
    }

    /// The run's start failed before `start()`: closes the read end nobody will read.
    func abandon() {
        precondition(thread == nil, "a started capture is ended with finish()")
        try? fd.close()
    }

    /// Waits for EOF and returns what was kept.
    func finish() -> (bytes: [UInt8], truncated: Bool) {
        thread?.join()
        thread = nil
        return (bytes, truncated)
    }
}
