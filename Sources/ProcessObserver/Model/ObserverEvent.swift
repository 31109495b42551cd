/// One thing that happened in an observed run.
///
/// Identifiers: `processID` is the kernel's tgid (what `getpid()` returns) and `threadID` the
/// kernel's pid of the acting thread (what `gettid()` returns). Kernel-sourced events carry both,
/// lifecycle events carry only the process identifier.
public struct ObserverEvent: Sendable {
    /// Per-run sequence number, strictly increasing in delivery order. A `lost` event carries the
    /// sequence number of the first event it stands for.
    public var seq: UInt64
    /// `CLOCK_MONOTONIC` in nanoseconds, the clock `bpf_ktime_get_ns()` also reads.
    public var timestampNs: UInt64
    /// Wall-clock time in nanoseconds since the Unix epoch, derived from `timestampNs` and the
    /// run's start so the two never disagree in order.
    public var wallClockNs: Int64
    public var category: EventCategory
    public var processID: Int32
    public var threadID: Int32?
    public var parentProcessID: Int32?
    /// The kernel's 16-byte task name (`comm`), when the kernel gave it.
    public var command: ByteString?
    /// The acting task's cgroup v2 id (the inode number of its cgroup directory), on kernel events.
    public var cgroupID: UInt64?
    public var kind: EventKind
    /// The time the call spent in the kernel, from its `sys_enter` to its `sys_exit` (strace's
    /// `-T`), on file and network events; nil on the others.
    public var durationNs: UInt64?

    /// The cgroup's path in the v2 hierarchy, as `/proc/<pid>/cgroup` writes it
    /// (`/obs.4242.1234/run.1`), when it can be found; nil otherwise. Resolved on first use per
    /// id and cached process-wide (`CgroupPaths`), so events carry only the number: a string per
    /// event made delivery about 20% slower. Run cgroups are known from their creation on.
    ///
    /// An event read from a recording (`RunRecording`) carries the path the recording wrote, or
    /// none, and never looks it up on the machine that reads it.
    public var cgroupPath: String? {
        if let recorded = recordedCgroupPath { return recorded }
        return cgroupID.flatMap { CgroupPaths.resolve($0) }
    }

    /// `.some(path)` for an event read from a recording (the path it had there, or nil); nil for
    /// a live event, whose path is resolved here.
    var recordedCgroupPath: String??

    public init(
        seq: UInt64 = 0, timestampNs: UInt64, wallClockNs: Int64 = 0, category: EventCategory,
        processID: Int32, threadID: Int32? = nil, parentProcessID: Int32? = nil, command: ByteString? = nil,
        kind: EventKind
    ) {
        self.seq = seq
        self.timestampNs = timestampNs
        self.wallClockNs = wallClockNs
        self.category = category
        self.processID = processID
        self.threadID = threadID
        self.parentProcessID = parentProcessID
        self.command = command
        self.kind = kind
    }
}

extension ObserverEvent {
    /// An event holding no references, left where an event was moved out of an array (see
    /// `SubscriberBuffer.offer(_:taking:)`): copying or destroying it counts no reference.
    static let placeholder = ObserverEvent(
        timestampNs: 0, category: .lifecycle, processID: 0, kind: .lost(Lost(count: 0, source: .kernel)))
}

/// What happened, with the kind's own data.
///
/// The kinds with the largest payloads, rare in a flood (the profile, samples, a socket's close,
/// DNS), are `indirect`: held in a box, so they do not set the size of every event. Every event
/// is moved or copied a few times on its way to a reader (batch, subscriber buffer, drain): with
/// a `RunProfile` inline an event took 296 bytes, which a file flood paid in `memmove` on two
/// threads; boxed, 208 (the largest inline payload is now an exit's `ProcessEnd`).
public enum EventKind: Sendable {
    // lifecycle
    case started(Started)
    case exited(ProcessEnd)
    indirect case sample(PerfSample)
    case lost(Lost)
    /// A limit of the run's cgroup was hit (OOM kills, refused forks), just before `exited`.
    case limit(LimitReached)
    indirect case profile(RunProfile)
    // process
    case fork(Fork)
    case exec(Exec)
    case exit(ProcessEnd)
    /// A process's syscall summary (`ObserverConfig.summarizingSyscalls()`), at its exit or at
    /// the run's end for one still running.
    case syscalls(SyscallSummary)
    // file
    case open(FileOpen)
    case unlink(PathOperation)
    case rmdir(PathOperation)
    case mkdir(PathOperation)
    case rename(Rename)
    case chdir(ChangeDirectory)
    case fchdir(ChangeDirectory)
    case link(Link)
    case symlink(Symlink)
    /// A file descriptor closed after I/O: its bytes and calls.
    case close(FileClose)
    // network
    case connect(SocketOperation)
    case accept(SocketOperation)
    case bind(SocketOperation)
    case listen(Listen)
    /// A socket descriptor closed after I/O: its bytes each way (JSON kind `close`, category
    /// `network`).
    indirect case socketClose(SocketClose)
    /// A DNS question and its answer.
    indirect case dns(DNSExchange)
    /// The stable lowercase name used in JSON (`kind`) and in `obsctl` output.
    public var name: String {
        switch self {
        case .started: "started"
        case .exited: "exited"
        case .sample: "sample"
        case .lost: "lost"
        case .limit: "limit"
        case .profile: "profile"
        case .fork: "fork"
        case .exec: "exec"
        case .exit: "exit"
        case .syscalls: "syscalls"
        case .open: "open"
        case .unlink: "unlink"
        case .rmdir: "rmdir"
        case .mkdir: "mkdir"
        case .rename: "rename"
        case .chdir: "chdir"
        case .fchdir: "fchdir"
        case .link: "link"
        case .symlink: "symlink"
        case .connect: "connect"
        case .accept: "accept"
        case .bind: "bind"
        case .listen: "listen"
        case .close, .socketClose: "close"
        case .dns: "dns"
        }
    }
}

/// The observed process started running its program.
public struct Started: Sendable, Hashable {
    public var argv: [ByteString]
    /// The executable as resolved before `execve` (absolute or as given with a slash).
    public var path: ByteString
    /// The categories the run observes (lifecycle and the kernel categories this machine serves
    /// of those its subscribers asked for); nil in a recording, whose header says the same
    /// (`RecordingHeader.capabilities`).
    public var observedCategories: Set<EventCategory>?
    public init(argv: [ByteString], path: ByteString, observedCategories: Set<EventCategory>? = nil) {
        self.argv = argv
        self.path = path
        self.observedCategories = observedCategories
    }
}

/// Events a subscriber or the kernel could not hold were dropped; this says how many.
public struct Lost: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable, Codable {
        /// The subscriber's bounded buffer was full.
        case subscriber
        /// The kernel's ring buffer was full when a BPF program tried to reserve a record.
        case kernel
        /// An exporter (`obsctl watch --otlp`) could not send them: its queue was full, the
        /// collector was down or slow past the flush deadline, or it refused them. Counted in
        /// exported items (spans, log records, metric points), written just before the profile.
        case exporter
        /// A segmented recording's writer (`obsctl watch --record`) could not write them: its
        /// disk was full (ENOSPC, EDQUOT) with no old segment left to remove. Written once it
        /// can write again, with the `seq` of the last event it stands for.
        case writer
    }
    public var count: UInt64
    public var source: Source
    public init(count: UInt64, source: Source) {
        self.count = count
        self.source = source
    }
}

/// The kernel enforced one of the run's `ResourceLimits`.
public struct LimitReached: Sendable, Hashable {
    public enum Resource: String, Sendable, Hashable {
        /// The OOM killer ended `count` processes of the run (memory limit `limit` bytes).
        case memory
        /// `count` forks failed because the run held `limit` processes.
        case pids
    }
    public var resource: Resource
    public var count: Int
    /// The limit in force: bytes for memory, processes for pids.
    public var limit: UInt64

    public init(resource: Resource, count: Int, limit: UInt64) {
        self.resource = resource
        self.count = count
        self.limit = limit
    }
}

/// A syscall's return value: ≥ 0 on success, a negative errno on failure.
public struct SyscallResult: Sendable, Hashable {
    public var rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var succeeded: Bool { rawValue >= 0 }
    /// The errno number when the call failed.
    public var errno: Int32? { rawValue < 0 ? Int32(truncatingIfNeeded: -rawValue) : nil }
    /// The errno's symbolic name ("ENOENT") when the call failed.
    public var errnoName: String? { errno.map(ErrnoName.name(of:)) }
}

/// A string read from user memory by a BPF program, marked when it could not be read whole.
public struct CapturedString: Sendable, Hashable, ExpressibleByStringLiteral {
    public var value: ByteString
    /// The string was longer than the capture buffer; `value` holds its first bytes.
    public var truncated: Bool
    /// The kernel could not read the user memory at all; `value` is empty.
    public var unreadable: Bool
    public init(_ value: ByteString, truncated: Bool = false, unreadable: Bool = false) {
        self.value = value
        self.truncated = truncated
        self.unreadable = unreadable
    }
    /// A whole string (`"src/main.c"`), as tests and examples write one.
    public init(stringLiteral value: String) { self.init(ByteString(value)) }
}

/// A process of the tree forked a child: the event's `processID` is the child, its
/// `parentProcessID` the parent.
public struct Fork: Sendable, Hashable {
    public var childProcessID: Int32
    public var parentProcessID: Int32
    public init(childProcessID: Int32, parentProcessID: Int32) {
        self.childProcessID = childProcessID
        self.parentProcessID = parentProcessID
    }
}

/// An `execve`/`execveat`, successful or not.
public struct Exec: Sendable, Hashable {
    /// The path as passed to execve/execveat, for every exec (a successful one from the kernel's copy).
    public var path: CapturedString
    /// The arguments, up to `Exec.maxArguments`.
    public var argv: [ByteString]
    /// More arguments (or longer ones) existed than were captured.
    public var argvTruncated: Bool
    public var result: SyscallResult
    /// execveat's directory descriptor (AT_FDCWD is -100); nil for execve.
    public var directoryFD: Int32?
    /// The executed file (source `.file`) for a successful exec of a binary; the path as passed
    /// joined for a script (whose `bprm->file` is the interpreter) and a failed exec.
    public var absolutePath: ResolvedPath?
    /// The process's working directory at the exec.
    public var workingDirectory: ResolvedPath?
    public init(
        path: CapturedString, argv: [ByteString], argvTruncated: Bool, result: SyscallResult,
        directoryFD: Int32? = nil, absolutePath: ResolvedPath? = nil, workingDirectory: ResolvedPath? = nil
    ) {
        self.path = path
        self.argv = argv
        self.argvTruncated = argvTruncated
        self.result = result
        self.directoryFD = directoryFD
        self.absolutePath = absolutePath
        self.workingDirectory = workingDirectory
    }
}

/// open, openat, openat2 or creat.
public struct FileOpen: Sendable, Hashable {
    public var path: CapturedString
    /// The raw `O_*` flags; see `OpenFlags.names(of:)` for their names.
    public var flags: Int32
    /// The mode, present when the call could create the file (O_CREAT or O_TMPFILE, or creat).
    public var mode: UInt32?
    /// The new descriptor, or a negative errno.
    public var result: SyscallResult
    /// The directory descriptor for the *at variants (AT_FDCWD is -100).
    public var directoryFD: Int32?
    /// A successful open: the opened file's path (source `.file`); a failed one: the path as
    /// passed joined, or as passed when absolute.
    public var absolutePath: ResolvedPath?
    public init(
        path: CapturedString, flags: Int32, mode: UInt32?, result: SyscallResult, directoryFD: Int32? = nil,
        absolutePath: ResolvedPath? = nil
    ) {
        self.path = path
        self.flags = flags
        self.mode = mode
        self.result = result
        self.directoryFD = directoryFD
        self.absolutePath = absolutePath
    }
}

/// unlink, rmdir or mkdir (and their *at variants).
public struct PathOperation: Sendable, Hashable {
    public var path: CapturedString
    /// The mode for mkdir.
    public var mode: UInt32?
    public var result: SyscallResult
    /// The directory descriptor of unlinkat/mkdirat (AT_FDCWD is -100).
    public var directoryFD: Int32?
    public var absolutePath: ResolvedPath?
    public init(
        path: CapturedString, mode: UInt32? = nil, result: SyscallResult, directoryFD: Int32? = nil,
        absolutePath: ResolvedPath? = nil
    ) {
        self.path = path
        self.mode = mode
        self.result = result
        self.directoryFD = directoryFD
        self.absolutePath = absolutePath
    }
}

/// rename, renameat or renameat2.
public struct Rename: Sendable, Hashable {
    public var path: CapturedString
    public var newPath: CapturedString
    public var result: SyscallResult
    /// renameat/renameat2's directory descriptors (AT_FDCWD is -100).
    public var directoryFD: Int32?
    public var newDirectoryFD: Int32?
    public var absolutePath: ResolvedPath?
    public var newAbsolutePath: ResolvedPath?
    public init(
        path: CapturedString, newPath: CapturedString, result: SyscallResult, directoryFD: Int32? = nil,
        newDirectoryFD: Int32? = nil, absolutePath: ResolvedPath? = nil, newAbsolutePath: ResolvedPath? = nil
    ) {
        self.path = path
        self.newPath = newPath
        self.result = result
        self.directoryFD = directoryFD
        self.newDirectoryFD = newDirectoryFD
        self.absolutePath = absolutePath
        self.newAbsolutePath = newAbsolutePath
    }
}

/// A socket address as the kernel saw it in a sockaddr.
public enum SocketAddress: Sendable, Hashable {
    case ipv4(address: String, port: UInt16)
    case ipv6(address: String, port: UInt16)
    /// A unix domain socket; abstract names (leading NUL) are marked.
    case unix(path: CapturedString, abstract: Bool)
    /// A family we do not decode (the raw `sa_family`).
    case other(family: UInt16)
    /// The sockaddr could not be read.
    case unreadable
    /// No address was asked for (accept with a NULL address).
    case notRequested

    public var familyName: String {
        switch self {
        case .ipv4: "inet"
        case .ipv6: "inet6"
        case .unix: "unix"
        case .other(let family): "af_\(family)"
        case .unreadable: "unknown"
        case .notRequested: "none"
        }
    }
}

/// connect, accept/accept4 or bind.
public struct SocketOperation: Sendable, Hashable {
    /// The socket descriptor the call was made on.
    public var fd: Int32
    /// connect: the destination; bind: the local address; accept: the peer.
    public var address: SocketAddress
    /// connect/bind: 0 or a negative errno (EINPROGRESS for a non-blocking connect);
    /// accept: the new descriptor or a negative errno.
    public var result: SyscallResult
    /// A unix address's path made absolute: joined to the working directory when relative.
    public var absolutePath: ResolvedPath?
    /// connect, accept: the name the run resolved for the address earlier (the latest DNS answer
    /// before the call that gave it), when there was one.
    public var peerName: String?
    public init(
        fd: Int32, address: SocketAddress, result: SyscallResult, absolutePath: ResolvedPath? = nil,
        peerName: String? = nil
    ) {
        self.fd = fd
        self.address = address
        self.result = result
        self.absolutePath = absolutePath
        self.peerName = peerName
    }
}

/// listen(2).
public struct Listen: Sendable, Hashable {
    public var fd: Int32
    public var backlog: Int32
    public var result: SyscallResult
    public init(fd: Int32, backlog: Int32, result: SyscallResult) {
        self.fd = fd
        self.backlog = backlog
        self.result = result
    }
}
