import ProcessObserver

/// The processes of a run as its events show them, in one pass: which record each process id
/// names now, its parent, its start, its execs and its exit.
///
/// It is the one reading of the process events that the report (`RunReportBuilder`) and the
/// OpenTelemetry mapper share, so a pid reused, a parent never seen or an exit out of order means
/// the same thing in both. What happens at the edges:
/// - a pid forked again after its exit is a new record; forked again without an exit seen, it
///   keeps its record (the earlier fork was the one that counted, its start stays);
/// - a process first seen by a later event (an attached tree's existing children, a lost fork)
///   gets a record at that event, with `startSeen == false`, the event's `comm` as its program
///   and the event's parent pid as its parent; a later `fork` or `started` then sets its start;
/// - a record whose parent has no record is a root.
///
/// Records are never dropped (memory grows with the processes the run made, not its events);
/// `processes` indexes stay valid for the whole run.
public struct ProcessTracker: Sendable {
    /// Every process seen, in order of first sighting; `children` and `roots` index into it. The
    /// per-sample figures (`sampledCPUNs`, `peakRSSBytes`) are left for the report to join.
    public private(set) var processes: [ReportedProcess] = []
    /// Records with no parent record, in order of first sighting.
    public private(set) var roots: [Int] = []
    /// The current record of each process id (a reused pid gets a new record).
    private var current: [Int32: Int] = [:]
    /// The run's root process: it never takes a parent from a first sighting.
    private var rootProcessID: Int32?

    /// A tracker for a run whose root process is `rootProcessID` (the recording header's), when
    /// known before its `started` event.
    public init(rootProcessID: Int32? = nil) {
        self.rootProcessID = rootProcessID
    }

    /// The index in `processes` of the record `pid` names now: the latest one, even when it has
    /// exited (its later events still belong to it until the pid is forked again).
    public func index(of pid: Int32) -> Int? { current[pid] }

    /// Reads one event: process events (`started`, `fork`, `exec`, `exit`, `exited`) change the
    /// records; file and network events make a record for a pid not seen before; the rest are
    /// ignored.
    public mutating func add(_ event: ObserverEvent) {
        switch event.kind {
        case .started(let started):
            rootProcessID = event.processID
            let index = process(event.processID, parent: nil, at: event.timestampNs, seen: true)
            processes[index].argv = started.argv.map(\.string)
            processes[index].executable = started.path.string
        case .exited(let end):
            // The run's end, as the launcher saw it: it completes an exit the kernel did not report.
            if let index = current[event.processID], processes[index].status == nil {
                processes[index].status = end.status
                processes[index].killedByOOM = end.killedByOOM
                processes[index].exitNs = processes[index].exitNs ?? event.timestampNs
            }
        case .fork(let fork):
            if let old = current[fork.childProcessID], processes[old].exitNs != nil {
                current[fork.childProcessID] = nil
            }
            let parent = known(fork.parentProcessID, event: event)
            let index = process(fork.childProcessID, parent: fork.parentProcessID, at: event.timestampNs, seen: true)
            processes[index].argv = processes[parent].argv
            processes[index].executable = processes[parent].executable
        case .exec(let exec):
            let index = known(event.processID, event: event)
            let argv = exec.argv.map(\.string)
            processes[index].execs.append(
                ReportedProcess.ExecPoint(
                    timestampNs: event.timestampNs, path: exec.path.value.string, argv: argv,
                    errno: exec.result.errnoName))
            if exec.result.succeeded {
                processes[index].argv = argv.isEmpty ? [exec.path.value.string] : argv
                processes[index].executable = exec.path.value.string
            }
        case .exit(let end):
            let index = known(event.processID, event: event)
            processes[index].status = end.status
            processes[index].killedByOOM = end.killedByOOM
            processes[index].exitPeakRSSBytes = end.peakRSSBytes
            processes[index].exitImagePeakRSSBytes = end.imagePeakRSSBytes
            processes[index].exitNs = event.timestampNs
        case .open, .unlink, .rmdir, .mkdir, .rename, .chdir, .fchdir, .link, .symlink, .connect, .accept, .bind,
            .listen, .close, .socketClose, .dns:
            _ = known(event.processID, event: event)
        case .profile, .lost, .limit, .sample, .syscalls:
            break
        }
    }

    /// The record of a live `pid`, made at its first sighting when no fork or start showed it.
    private mutating func known(_ pid: Int32, event: ObserverEvent) -> Int {
        if let index = current[pid] { return index }
        let parent = pid == rootProcessID ? nil : event.parentProcessID
        let index = process(pid, parent: parent, at: event.timestampNs, seen: false)
        if let comm = event.command { processes[index].executable = comm.string }
        return index
    }

    /// The record of `pid`, making it (and linking it to its parent) when it is new.
    private mutating func process(_ pid: Int32, parent: Int32?, at ns: UInt64, seen: Bool) -> Int {
        if let index = current[pid] {
            if seen, !processes[index].startSeen {
                processes[index].startNs = min(processes[index].startNs, ns)
                processes[index].startSeen = true
            }
            return index
        }
        let index = processes.count
        processes.append(
            ReportedProcess(
                processID: pid, parentProcessID: parent, startNs: ns, startSeen: seen, argv: [], executable: ""))
        current[pid] = index
        if let parent, let parentIndex = current[parent], parentIndex != index {
            processes[parentIndex].children.append(index)
        } else {
            processes[index].parentProcessID = nil
            roots.append(index)
        }
        return index
    }
}
