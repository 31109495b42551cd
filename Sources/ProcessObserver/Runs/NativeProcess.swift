import Logging
import Synchronization
import SystemPackage

/// A command to run, optionally observed.
///
/// ```swift
/// let process = NativeProcess(.name("make"), arguments: ["-j2"])
/// let events = process.withObserver(.lifecycle(.file, .process).sampling(every: .seconds(1)))
/// let running = try process.spawn()
/// for await event in events { print(event.kind.name) }
/// let result = running.wait()
/// ```
///
/// Observers attach before spawn: each `withObserver` call adds one subscriber to the next
/// `spawn()`, which takes them all. With none attached, no event is made and nothing is allocated
/// for events.
public final class NativeProcess: @unchecked Sendable {
    public let executable: Executable
    /// The arguments after `argv[0]` (which is the executable as given).
    public let arguments: [ByteString]
    public let environment: Environment
    public let workingDirectory: FilePath?
    public let standardInput: InputSource
    public let standardOutput: OutputSink
    public let standardError: OutputSink
    /// After this long every process of the run (its cgroup) gets SIGTERM, then SIGKILL after `terminationGrace`.
    public let timeout: Duration?
    public let terminationGrace: Duration
    /// How the run is contained: a cgroup of its own where possible (the default).
    public let containment: Containment
    /// When the run is over: when its last process exits (the default), or when the root does.
    public let runEnd: RunEnd
    /// The root gets SIGKILL when the observer dies (`PR_SET_PDEATHSIG`), so a tree never runs on
    /// unobserved after its observer was killed. The kernel ties the signal to the child's parent
    /// *thread*: with the spawn helper (the usual case, `Docs/ARCHITECTURE.md`) that is the
    /// shim's keeper thread, which lives as long as the process, so the root dies when the
    /// observer's process does, whichever thread called `spawn()`. Where the helper cannot run,
    /// it is the thread that called `spawn()`: set this only when spawning from a thread that
    /// lives as long as the observer (the main thread of a CLI). Default false.
    public var diesWithSpawningThread = false
    /// Memory, process-count and CPU limits on the whole run, enforced by its cgroup. A limit
    /// that cannot be enforced here makes `spawn()` throw `.containmentFailed`.
    public var limits = ResourceLimits.none
    let logger: Logger

    private let pending = PendingSubscribers()
    /// The last spawn's run, while something holds it: a subscriber cannot join it late.
    private let lastSpawn = Mutex<WeakSession?>(nil)

    public init(
        _ executable: Executable, arguments: [ByteString] = [], environment: Environment = .inherit,
        workingDirectory: FilePath? = nil, standardInput: InputSource = .inherit,
        standardOutput: OutputSink = .inherit, standardError: OutputSink = .inherit, timeout: Duration? = nil,
        terminationGrace: Duration = .seconds(2), containment: Containment = .automatic,
        runEnd: RunEnd = .lastProcessExits, logger: Logger = Logger(label: "ProcessObserver")
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.timeout = timeout
        self.terminationGrace = terminationGrace
        self.containment = containment
        self.runEnd = runEnd
        self.logger = logger
    }

    public convenience init(
        _ executable: Executable, arguments: [String], environment: Environment = .inherit,
        workingDirectory: FilePath? = nil, standardInput: InputSource = .inherit,
        standardOutput: OutputSink = .inherit, standardError: OutputSink = .inherit, timeout: Duration? = nil,
        terminationGrace: Duration = .seconds(2), containment: Containment = .automatic,
        runEnd: RunEnd = .lastProcessExits
    ) {
        self.init(
            executable, arguments: arguments.map { ByteString($0) }, environment: environment,
            workingDirectory: workingDirectory, standardInput: standardInput, standardOutput: standardOutput,
            standardError: standardError, timeout: timeout, terminationGrace: terminationGrace,
            containment: containment, runEnd: runEnd)
    }

    /// Attaches an observer to the next spawn and returns its subscriber. Call again for more
    /// subscribers; each has its own categories, sampling and buffer.
    ///
    /// A subscriber observes a run from its first instruction, so it cannot join one already
    /// running: called while this process's last spawn still runs, `withObserver` returns a
    /// subscriber that has already ended, with no event and `observedCategories` empty, instead
    /// of one that would wait for a spawn that may never come. Attach observers before
    /// `spawn()`, or use the scoped `run(observing:_:)`, where a late subscriber cannot happen.
    public func withObserver(_ config: ObserverConfig = .lifecycle()) -> ObserverSubscriber {
        if lastSpawn.withLock({ $0?.isRunning ?? false }) { return ObserverSubscriber(endedWith: config) }
        return pending.add(config)
    }

    /// Starts the process. Throws when it cannot be started (not found: `.executableNotFound`,
    /// not executable: `.notExecutable`); a run that starts and fails is an exit status, not an error.
    public func spawn() throws(ObserverError) -> RunningProcess {
        try pending.start { subscribers throws(ObserverError) in
            let session = try RunSession.spawn(process: self, subscribers: subscribers)
            lastSpawn.withLock { $0 = WeakSession(session) }
            return RunningProcess(run: session)
        }
    }

    /// Spawns and waits.
    public func run() throws(ObserverError) -> ProcessResult {
        try spawn().wait()
    }
}

/// A run referred to without keeping it: it ends, and is released, on its own.
struct WeakSession: Sendable {
    weak var session: RunSession?
    init(_ session: RunSession) { self.session = session }
    var isRunning: Bool { session?.isRunning ?? false }
}
