import ProcessObserver

/// What the run read, wrote and resolved, from issue 18's events: bytes per file (`close` of a
/// file), per peer (`close` of a socket), the DNS lookups, and the processes whose I/O the
/// per-file counts cannot show (they used io_uring). `Docs/REPORT.md` says what each counts.
public struct IOActivity: Sendable, Hashable {
    public var files = FileBytes()
    public var peers = PeerTraffic()
    public var dns = DNSActivity()
    /// Processes whose `exit` said they set up io_uring: `name [pid]`, in the order seen.
    public var ioUringProcesses: [String] = []
    /// The `exit` I/O totals summed over the processes that carried them.
    public var processTotals = ProcessIO()
    /// Processes whose `exit` carried I/O totals.
    public var processesWithTotals = 0
    /// The pids with a `close` or an `exit` with I/O totals: the processes with I/O counters in
    /// a trace.
    public var countedProcessIDs: Set<Int32> = []

    public init() {}

    /// Whether any close, DNS lookup or exit total was recorded (a run without byte counting
    /// has none, and the report then says nothing of bytes).
    public var counted: Bool { !files.isEmpty || !peers.isEmpty || !dns.isEmpty || processesWithTotals > 0 }

    mutating func add(_ event: ObserverEvent) {
        switch event.kind {
        case .close(let c):
            files.add(c)
            countedProcessIDs.insert(event.processID)
        case .socketClose(let c):
            peers.add(c)
            countedProcessIDs.insert(event.processID)
        case .dns(let d): dns.add(d)
        case .exit(let end):
            guard let io = end.io else { return }
            processesWithTotals += 1
            countedProcessIDs.insert(event.processID)
            processTotals.readChars &+= io.readChars
            processTotals.writtenChars &+= io.writtenChars
            processTotals.readCalls &+= io.readCalls
            processTotals.writeCalls &+= io.writeCalls
            processTotals.readBytes &+= io.readBytes
            processTotals.writeBytes &+= io.writeBytes
            processTotals.cancelledWriteBytes &+= io.cancelledWriteBytes
            if io.usesIOUring {
                processTotals.usesIOUring = true
                ioUringProcesses.append((event.command?.string ?? "?") + " [\(event.processID)]")
            }
        case .started, .exited, .sample, .lost, .limit, .profile, .fork, .exec, .syscalls, .open, .unlink, .rmdir,
            .mkdir, .rename, .chdir, .fchdir, .link, .symlink, .connect, .accept, .bind, .listen:
            return  // no bytes: `FileActivity`, `NetworkActivity` and the process tree count these
        }
    }
}
