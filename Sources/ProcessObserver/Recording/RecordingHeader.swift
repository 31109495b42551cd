/// What a recording says about itself: the first line of every JSON Lines stream `obsctl watch
/// --json` writes (kind `header`, `Docs/EVENTS.md`).
///
/// A recording is read later, often elsewhere: the header keeps what the events alone cannot
/// tell, so a report can say which machine and kernel produced it, which categories were really
/// observed (an empty file list means nothing when the file category was unavailable), and how
/// to turn its monotonic timestamps into times of day.
public struct RecordingHeader: Sendable, Hashable {
    /// The schema this library writes. Readers accept any recording of the same major version.
    public static let currentSchema = SchemaVersion(major: 1, minor: 6)

    /// A category (or `sampling`, `containment`) as it was negotiated for the run.
    public struct Capability: Sendable, Hashable {
        /// `lifecycle`, `file`, `network`, `process`, `sampling` or `containment`.
        public var category: String
        /// `supported`, `partial` or `unavailable`; nil when a newer writer used a value this
        /// reader does not know.
        public var support: CapabilitySupport?
        /// `portable-lifecycle`, `ebpf`, `procfs`, `cgroup2`, …
        public var backend: String
        /// Whether the run asked for it: a supported category the user left out is not observed.
        public var observed: Bool
        /// The kinds not delivered, for `partial`.
        public var missing: [String]

        public init(
            category: String, support: CapabilitySupport?, backend: String, observed: Bool, missing: [String] = []
        ) {
            self.category = category
            self.support = support
            self.backend = backend
            self.observed = observed
            self.missing = missing
        }

        /// Whether this category's events are in the recording, wholly or in part.
        public var delivered: Bool { observed && support != nil && support != .unavailable }
    }

    /// JSON `schema_version` ("1.1").
    public var schema: SchemaVersion
    /// The program that wrote the recording (`obsctl`): JSON `writer`.
    public var writer: String
    /// Its version: JSON `writer_version`.
    public var writerVersion: String
    /// The machine's host name (`/proc/sys/kernel/hostname`): JSON `host`.
    public var hostName: String
    /// The kernel release (`/proc/sys/kernel/osrelease`, what `uname -r` prints): JSON
    /// `kernel_release`.
    public var kernelRelease: String
    /// The boot's id (`/proc/sys/kernel/random/boot_id`): monotonic timestamps of two recordings
    /// compare only when their boot ids are equal. JSON `boot_id`.
    public var bootID: String
    /// The run's clock base (JSON `clock`: `monotonic_ns`, `realtime_ns`); also the header's own
    /// `ts_ns` and `time`, the start of the run.
    public var clockBase: ClockBase
    /// Every category, then `sampling` and `containment`, as negotiated for the run: JSON
    /// `capabilities`.
    public var capabilities: [Capability]
    /// The root process of the run (started, or attached to): JSON `pid`.
    public var processID: Int32
    /// The command as it was started (with `attached`, as `/proc/<pid>/cmdline` showed it):
    /// JSON `argv`.
    public var argv: [ByteString]
    /// The working directory it was started in (with `attached`, its `/proc/<pid>/cwd`); empty
    /// when it could not be read. JSON `cwd` (`cwd_b64` when it is not UTF-8).
    public var workingDirectory: ByteString
    /// The run attached to a process that was already running (`obsctl watch --pid`), or to a
    /// cgroup (`--cgroup`): JSON `attached`.
    public var attached: Bool
    /// The cgroup v2 directory a run attached to (`obsctl watch --cgroup`); `processID` is 0
    /// then, and `argv` empty. JSON `cgroup`.
    public var cgroup: String?
    /// In a segmented recording (`obsctl watch --record DIR`): which segment of which run this
    /// header opens. JSON `segment`; nil in a single-file recording.
    public var segment: Segment?
    /// In a segmented recording: everything retention had removed when this segment was opened
    /// (cumulative, so the newest header says it all). JSON `retention`; nil when nothing was.
    public var retention: Retention?

    public init(
        schema: SchemaVersion = RecordingHeader.currentSchema, writer: String, writerVersion: String,
        hostName: String, kernelRelease: String, bootID: String, clockBase: ClockBase, capabilities: [Capability],
        processID: Int32, argv: [ByteString], workingDirectory: ByteString, attached: Bool
    ) {
        self.schema = schema
        self.writer = writer
        self.writerVersion = writerVersion
        self.hostName = hostName
        self.kernelRelease = kernelRelease
        self.bootID = bootID
        self.clockBase = clockBase
        self.capabilities = capabilities
        self.processID = processID
        self.argv = argv
        self.workingDirectory = workingDirectory
        self.attached = attached
    }

    /// A header for a run on this machine: the host name, kernel release and boot id are read
    /// from `/proc/sys/kernel` (empty when unreadable).
    public static func forThisMachine(
        writer: String, writerVersion: String, clockBase: ClockBase, capabilities: [Capability], processID: Int32,
        argv: [ByteString], workingDirectory: ByteString, attached: Bool, cgroup: String? = nil
    ) -> RecordingHeader {
        func read(_ path: String) -> String {
            String((ProcFS.readText(path) ?? "").filter { !$0.isNewline })
        }
        var header = RecordingHeader(
            writer: writer, writerVersion: writerVersion, hostName: read("/proc/sys/kernel/hostname"),
            kernelRelease: read("/proc/sys/kernel/osrelease"), bootID: read("/proc/sys/kernel/random/boot_id"),
            clockBase: clockBase, capabilities: capabilities, processID: processID, argv: argv,
            workingDirectory: workingDirectory, attached: attached)
        header.cgroup = cgroup
        return header
    }

    /// The capability entries of a negotiation: each category (observed when in `observing`),
    /// then sampling (observed when `sampling`) and containment (observed when `contained`).
    public static func capabilities(
        _ negotiated: ObserverCapabilities, observing: Set<EventCategory>, sampling: Bool, contained: Bool
    ) -> [Capability] {
        var list = negotiated.categories.map {
            Capability(
                category: $0.category.rawValue, support: $0.support, backend: $0.backend,
                observed: observing.contains($0.category), missing: $0.missing)
        }
        list.append(
            Capability(
                category: "sampling", support: negotiated.sampling.support, backend: negotiated.sampling.backend,
                observed: sampling))
        list.append(
            Capability(
                category: "containment", support: negotiated.containment.support,
                backend: negotiated.containment.backend, observed: contained))
        return list
    }

    /// The working directory of this process (`/proc/self/cwd`), or of process `pid`.
    public static func workingDirectory(of pid: Int32? = nil) -> ByteString {
        let link = pid.map { "/proc/\($0)/cwd" } ?? "/proc/self/cwd"
        return ByteString(bytes: (try? Syscall.readLink(link)) ?? [])
    }

    /// The command line of process `pid` (`/proc/<pid>/cmdline`, NUL-separated), empty when unreadable.
    public static func commandLine(of pid: Int32) -> [ByteString] {
        guard let bytes = ProcFS.readFile("/proc/\(pid)/cmdline") else { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { ByteString($0) }
    }
}

/// A recording schema's version: `major.minor`. A minor version adds members or kinds (a reader
/// of the same major version ignores what it does not know); a major version changes or removes
/// something, and a reader of another major version refuses the recording.
public struct SchemaVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.0"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (a: SchemaVersion, b: SchemaVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}
