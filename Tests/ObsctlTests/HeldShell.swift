import Foundation
import ProcessObserver
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A shell the test starts itself (not obsctl's child), blocked in `read` on a socket whose other
/// end the test holds: it goes on only when `release()` writes a line. Started and reaped by the
/// library's `NativeProcess`; dropping it kills and reaps the shell.
final class HeldShell {
    private let process: RunningProcess
    private var control: FileDescriptor?

    init(script: String) throws {
        var pair: [Int32] = [-1, -1]
        // Close-on-exec, so that obsctl (and any other child) never holds the test's end.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        try #require(socketpair(AF_UNIX, type, 0, &pair) == 0)
        let theirs = FileDescriptor(rawValue: pair[1])
        defer { try? theirs.close() }
        control = FileDescriptor(rawValue: pair[0])
        process = try NativeProcess(
            .name("sh"), arguments: ["-c", script], standardInput: .fileDescriptor(theirs),
            standardOutput: .null
        ).spawn()
    }

    var pid: pid_t { process.processID }

    /// Lets the shell's `read` return.
    func release() {
        guard let control else { return }
        _ = try? control.writeAll(Array("go\n".utf8))
        try? control.close()
        self.control = nil
    }

    /// Whether it still runs: the library has not reaped it.
    var isRunning: Bool { process.isRunning }

    /// Waits for it and returns its exit code (nil when a signal killed it).
    func reap() -> Int32? { process.wait().status.exitCode }

    deinit { try? control?.close() }
}

extension [String: Any] {
    var kind: String? { self["kind"] as? String }
    var category: String? { self["category"] as? String }
    var pid: Int? { self["pid"] as? Int }
    var ppid: Int? { self["ppid"] as? Int }
    var seq: Int? { self["seq"] as? Int }
    var path: String? { self["path"] as? String }
}
