import ProcessObserver

/// The report's SYSCALLS section (issue 19, `Docs/REPORT.md`): the tree's `strace -c` table
/// from the recording's `syscalls` events, each syscall's longest call and the process that made
/// it, the errors by errno and, where the streamed events name them, the paths of the calls that
/// failed (`openat ENOENT ×12: /usr/lib/x.so …`).
///
/// Built in the report's one pass (`add(_:)` for every event, `finish(_:)` once); memory is a
/// summary per process (a few dozen syscalls each) and capped path tables.
public struct SyscallReport: Sendable {
    /// One process's summary, as its `syscalls` event gave it.
    public struct ProcessSummary: Sendable, Hashable {
        public var processID: Int32
        /// The event's time: just before the process's exit, or the run's end.
        public var timestampNs: UInt64
        /// The program it ran: the report's process record of that pid at that time, else the
        /// event's `comm`.
        public var program: String
        public var summary: SyscallSummary
    }

    /// A syscall's longest call in the tree, and the process that made it.
    public struct SlowestCall: Sendable, Hashable {
        public var name: String
        public var maxNs: UInt64
        public var processID: Int32
        public var program: String
        /// Its calls in the whole tree, and their mean time, for scale.
        public var calls: UInt64
        public var meanNs: UInt64
    }

    /// One syscall's errors with one errno, and the paths (or addresses) the streamed events of
    /// that syscall's kinds failed on with that errno.
    public struct Failure: Sendable, Hashable {
        public var syscall: String
        public var errno: String
        /// Calls of `syscall` that returned `errno`, in the whole tree (the summary's count).
        public var count: UInt64
        /// The event kinds whose failures `paths` holds (`open` for `openat`; `unlink` and
        /// `rmdir` for `unlinkat`); empty for a syscall no kind streams (`newfstatat`).
        public var eventKinds: [String]
        /// The failed events of those kinds with this errno, by path (file and exec events) or
        /// address (network events). The events of one kind cannot say which of its syscalls
        /// made them: `open` and `openat` failing with one errno share these paths.
        public var paths: PathCounts
    }

    /// Every `syscalls` event of the recording, in order.
    public private(set) var processes: [ProcessSummary] = []
    /// The whole tree's table: every process's summary merged (`SyscallSummary.merged`).
    public private(set) var tree = SyscallSummary(syscalls: [])
    /// Each syscall's longest call, longest first (ties by name).
    public private(set) var slowest: [SlowestCall] = []
    /// Errors by syscall and errno, most first (ties by syscall, then errno).
    public private(set) var failures: [Failure] = []
    /// Errors by errno over every syscall, most first (ties by name).
    public private(set) var errnos: [(errno: String, count: UInt64)] = []

    /// Failed events by kind name, then errno, then path or address.
    private var failedPaths: [String: [String: PathCounts]] = [:]
    /// Each summary's event `comm`, until `finish` finds its program.
    private var commands: [String] = []

    public init() {}

    /// Whether the recording held no `syscalls` event (the summary was not asked for: `obsctl
    /// watch -c`).
    public var isEmpty: Bool { processes.isEmpty }

    /// The event kinds each syscall the eBPF programs stream makes, by syscall name: what joins
    /// a summary's errors to the failed events' paths. The same pairs as the kernel side's
    /// `ObservedSyscall.all` (a test keeps them equal), plus `unlinkat`'s `rmdir` (with
    /// `AT_REMOVEDIR` it is an rmdir).
    public static let eventKinds: [String: [String]] = [
        "open": ["open"], "openat": ["open"], "openat2": ["open"], "creat": ["open"],
        "unlink": ["unlink"], "unlinkat": ["unlink", "rmdir"], "rmdir": ["rmdir"],
        "mkdir": ["mkdir"], "mkdirat": ["mkdir"],
        "rename": ["rename"], "renameat": ["rename"], "renameat2": ["rename"],
        "chdir": ["chdir"], "fchdir": ["fchdir"],
        "link": ["link"], "linkat": ["link"], "symlink": ["symlink"], "symlinkat": ["symlink"],
        "execve": ["exec"], "execveat": ["exec"],
        "connect": ["connect"], "accept": ["accept"], "accept4": ["accept"], "bind": ["bind"], "listen": ["listen"],
    ]

    /// Takes a `syscalls` event's summary, or a failed call's path: every other event is not
    /// this section's. Asks the kind's facts (`failed`, `errnoName`, `paths`, `peer`), so a new
    /// kind needs nothing here.
    public mutating func add(_ event: ObserverEvent) {
        if case .syscalls(let summary) = event.kind {
            processes.append(
                ProcessSummary(
                    processID: event.processID, timestampNs: event.timestampNs, program: "", summary: summary))
            commands.append(event.command?.string ?? "?")
            return
        }
        guard event.kind.failed, let errno = event.kind.errnoName else { return }
        let subject: String
        if let path = event.kind.paths.first {
            subject = EventText.file(path)
        } else if let peer = event.kind.peer {
            subject = EventText.address(peer)
        } else if let fd = event.kind.fd {
            subject = "fd \(fd)"
        } else {
            return
        }
        failedPaths[event.kind.name, default: [:]][errno, default: PathCounts()].add(subject)
    }

    /// Joins the summaries with the report's process records (their programs) and makes the
    /// tree's table, the slowest calls and the failures.
    mutating func finish(_ records: [ReportedProcess]) {
        for i in processes.indices {
            let p = processes[i]
            let record = records.last { $0.processID == p.processID && $0.startNs <= p.timestampNs }
            processes[i].program = record?.name ?? commands[i]
        }
        commands = []
        tree = SyscallSummary.merged(processes.map(\.summary))

        var longest: [String: SlowestCall] = [:]
        for p in processes {
            for count in p.summary.syscalls where count.calls > 0 {
                if let known = longest[count.name], known.maxNs >= count.maxNs { continue }
                longest[count.name] = SlowestCall(
                    name: count.name, maxNs: count.maxNs, processID: p.processID, program: p.program, calls: 0,
                    meanNs: 0)
            }
        }
        for count in tree.syscalls {
            longest[count.name]?.calls = count.calls
            longest[count.name]?.meanNs = count.calls == 0 ? 0 : count.totalNs / count.calls
        }
        slowest = longest.values.sorted { ($0.maxNs, $1.name) > ($1.maxNs, $0.name) }

        var byErrno: [String: UInt64] = [:]
        failures = []
        for count in tree.syscalls {
            let kinds = Self.eventKinds[count.name] ?? []
            for (errno, n) in count.errnos where n > 0 {
                byErrno[errno, default: 0] += n
                var paths = PathCounts()
                for kind in kinds { paths.add(failedPaths[kind]?[errno] ?? PathCounts()) }
                failures.append(
                    Failure(syscall: count.name, errno: errno, count: n, eventKinds: kinds, paths: paths))
            }
        }
        failures.sort { ($0.count, $1.syscall, $1.errno) > ($1.count, $0.syscall, $0.errno) }
        errnos = byErrno.map { ($0.key, $0.value) }.sorted { ($0.count, $1.errno) > ($1.count, $0.errno) }
    }
}
