import ProcessObserver

/// The one wording of an event's parts for people, used by the human line, the terminal report,
/// the HTML page, the Perfetto slices and the OTLP log bodies: paths, calls and their failures,
/// addresses, exits. Each renderer lays these out its own way; none words them itself.
public enum EventText {
    /// How bytes are written.
    public enum Quoting: Sendable {
        /// As a shell would need them, bytes that are not printable UTF-8 as `\xNN` inside
        /// `$'…'`: the human line, where nothing may be hidden or lost on screen.
        case shell
        /// As text, lossy where the bytes are not UTF-8: reports, pages and traces.
        case plain
    }

    /// The file a path names: its absolute path when the kernel could walk one (`…/` starting a
    /// truncated one), else the path as passed (`…` ending a truncated one), `(unreadable)` when
    /// neither was read. What reports count by: one row per file, whatever each call passed.
    public static func file(_ path: EventPath, _ quoting: Quoting = .plain) -> String {
        LineBuffer.string { appendFile(path, quoting, to: &$0) }
    }

    /// The path of one call: the file, marked ` (deleted)` and ` (outside root)` when it was,
    /// then the path as passed in parentheses when it says something else: `/src/foo.c (foo.c)`.
    public static func path(_ path: EventPath, _ quoting: Quoting = .plain) -> String {
        LineBuffer.string { appendPath(path, quoting, to: &$0) }
    }

    /// A string as the BPF program captured it: `…` after a truncated one, `(unreadable)`.
    public static func captured(_ string: CapturedString, _ quoting: Quoting = .plain) -> String {
        LineBuffer.string { appendCaptured(string, quoting, to: &$0) }
    }

    /// A call and, when it failed, its errno, before what it acted on: `open /etc/hosts`,
    /// `exec ENOENT /usr/local/bin/as`, `bind EADDRINUSE`.
    public static func call(_ name: String, errno: String?, _ subject: String? = nil) -> String {
        name + (errno.map { " " + $0 } ?? "") + (subject.map { " " + $0 } ?? "")
    }

    /// A syscall's return value as strace writes it: `= 3`, `= -2 ENOENT`.
    public static func result(_ result: SyscallResult) -> String {
        LineBuffer.string(capacity: 32) { appendResult(result, to: &$0) }
    }

    /// A socket address: `host:port` (IPv6 in brackets), a unix path (made absolute when the
    /// event has one), `@name` for an abstract one.
    public static func address(
        _ address: SocketAddress, absolutePath: ResolvedPath? = nil, _ quoting: Quoting = .plain
    ) -> String {
        LineBuffer.string { appendAddress(address, absolutePath: absolutePath, quoting, to: &$0) }
    }

    /// How a process ended: `exit code 3`, `killed by SIGSEGV (11), core dumped`,
    /// `killed by SIGKILL (9) by the OOM killer`, `exit status unknown`.
    public static func exit(_ status: ExitStatus, killedByOOM: Bool = false) -> String {
        switch status {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal, let core):
            "killed by \(SignalName.of(signal)) (\(signal))" + (core ? ", core dumped" : "")
                + (killedByOOM ? " " + byOOMKiller : "")
        case .unknown: "exit status unknown"
        }
    }

    /// Who ended a process the OOM killer chose, after the words of its status.
    public static let byOOMKiller = "by the OOM killer"

    /// A process's peak RSS from its `exit`: `peak rss 201.1 MiB`, or, when the figure comes
    /// from an image an exec replaced, that and the image's own, `peak rss 23.2 MiB (1.1 MiB
    /// since its exec)`. Nil when the kernel gave no figure.
    public static func peakRSS(_ end: ProcessEnd) -> String? {
        guard let peak = end.peakRSSBytes else { return nil }
        var text = "peak rss " + ReportText.bytes(peak)
        if end.peakRSSIncludesPreExec == true, let image = end.imagePeakRSSBytes {
            text += " (" + ReportText.bytes(image) + " " + sinceExec + ")"
        }
        return text
    }

    /// A reported process's peak RSS from its `exit`, worded as `peakRSS(_:)` words an event's.
    public static func peakRSS(_ p: ReportedProcess) -> String? {
        peakRSS(
            ProcessEnd(.exited(code: 0), peakRSSBytes: p.exitPeakRSSBytes, imagePeakRSSBytes: p.exitImagePeakRSSBytes))
    }

    /// How a peak RSS that holds an image an exec replaced names the image's own figure.
    public static let sinceExec = "since its exec"
}
