import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A command left running while something else is measured (an observer watching a workload),
/// with its standard output drained on a thread so it never blocks on a full pipe.
///
/// The drain thread notes when the first byte arrives: with `obsctl watch --json` that byte is the
/// `started` event, written after the start gate has been released, i.e. once the observer is attached.
final class BackgroundCommand: @unchecked Sendable {
    let pid: pid_t
    let startNs: UInt64
    private let readFD: Int32
    private let lock = NSCondition()
    private var firstByteNs: UInt64?
    private var finished = false
    private(set) var bytes = 0
    /// Newlines seen on its output: events, with `obsctl watch --json`.
    private(set) var lines = 0

    init(_ argv: [String], environment: [String: String] = [:]) throws {
        guard let fds = closeOnExecPipe() else {
            throw Launcher.SpawnError(description: "pipe2 failed: errno \(errno)")
        }
        readFD = fds[0]
        startNs = monotonicNs()
        do {
            pid = try Launcher.spawn(
                argv, stdout: .descriptor(fds[1]), stderr: .null, newProcessGroup: true, environment: environment)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        let thread = Thread { [self] in drain() }
        thread.name = "obsbench-drain"
        thread.start()
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(readFD, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            let now = monotonicNs()
            lock.lock()
            if n > 0 {
                if firstByteNs == nil { firstByteNs = now }
                bytes += n
                lines += buffer[0..<n].reduce(0) { $1 == 10 ? $0 + 1 : $0 }
            } else {
                finished = true
            }
            lock.broadcast()
            lock.unlock()
            if n <= 0 { break }
        }
        close(readFD)
    }

    /// Waits for the first byte of output (or end of output, or the timeout); returns the time from
    /// spawn to that byte, or nil when none came.
    func waitForFirstOutput(timeout: Double) -> UInt64? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock()
        defer { lock.unlock() }
        while firstByteNs == nil && !finished {
            if !lock.wait(until: deadline) { break }
        }
        return firstByteNs.map { $0 - startNs }
    }

    /// Sends `signal` to the command, or to its whole process group with `group` (SIGINT to obsctl
    /// alone lets it forward the signal and clean up), waits up to `grace` seconds, then SIGKILLs
    /// the group; reaps it and waits (briefly) for the drain to end.
    @discardableResult
    func stop(signal: Int32 = SIGINT, group: Bool = false, grace: Double = 5) -> (status: Int32, usage: rusage) {
        kill(group ? -pid : pid, signal)
        let deadline = monotonicNs() + UInt64(grace * 1e9)
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if monotonicNs() > deadline {
                kill(-pid, SIGKILL)
                let reaped = Launcher.reap(pid)
                awaitDrain(timeout: 2)
                return reaped
            }
            usleep(2_000)
        }
        awaitDrain(timeout: 2)
        return (status, usage)
    }

    /// Newlines received so far (thread-safe snapshot).
    var linesSoFar: Int {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Waits for the command to exit on its own.
    func wait() -> (status: Int32, usage: rusage) {
        let result = Launcher.reap(pid)
        awaitDrain(timeout: 5)
        return result
    }

    /// Waits for end of output; a grandchild that kept the pipe open must not hang the benchmark.
    private func awaitDrain(timeout: Double) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock()
        while !finished { if !lock.wait(until: deadline) { break } }
        lock.unlock()
    }
}
