import SystemPackage

/// The one error the library throws. Its `message` is a sentence a user can act on: what
/// failed, why, and what to do.
///
/// The message is never written by hand at a throw site: each site gives the parts (`failure`,
/// `reason`, the `call` and `underlying` errno, `remedy`) and `message` puts them together here,
/// in one place, so every message has the same shape:
///
/// ```
/// Starting "/usr/bin/true" failed: the working directory "/nonexistent" does not exist
/// (chdir: ENOENT). Give a directory that exists.
/// ```
///
/// Outcomes are not errors: a non-zero exit, a signal, an absent capability or a dropped event
/// are data in the event stream and the run profile.
public struct ObserverError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Storage: Hashable, Sendable {
            case executableNotFound, notExecutable, failedToChangeWorkingDirectory, failedToSetUpStandardIO
            case failedToCreateProcessGroup, startGateFailed, spawnFailed, resourceLimit
            case processNotFound, backendUnavailable, backendFailed, containmentFailed, invalidConfiguration
            case categoryUnavailable
            case recordingUnreadable, invalidRecording, recordingNotWritable
        }
        let storage: Storage

        /// No such executable (name not on `PATH`, or the path does not exist). `obsctl` exits 127.
        public static let executableNotFound = Code(storage: .executableNotFound)
        /// The file exists but cannot be executed (EACCES, ENOEXEC, EISDIR…). `obsctl` exits 126.
        public static let notExecutable = Code(storage: .notExecutable)
        /// The child could not enter its working directory (`chdir`/`fchdir`), before exec.
        public static let failedToChangeWorkingDirectory = Code(storage: .failedToChangeWorkingDirectory)
        /// The child could not put its standard input, output or error in place (`dup2`), or
        /// `/dev/null` could not be opened for it.
        public static let failedToSetUpStandardIO = Code(storage: .failedToSetUpStandardIO)
        /// The child could not become the leader of its own process group (`setpgid`).
        public static let failedToCreateProcessGroup = Code(storage: .failedToCreateProcessGroup)
        /// The child could not wait at the start gate (reading the gate pipe failed).
        public static let startGateFailed = Code(storage: .startGateFailed)
        /// fork, pipe or another step of starting the child failed.
        public static let spawnFailed = Code(storage: .spawnFailed)
        /// A process or descriptor limit stopped us (EAGAIN from fork, EMFILE/ENFILE from a
        /// descriptor-creating call).
        public static let resourceLimit = Code(storage: .resourceLimit)
        /// `AttachedProcess` named a process that does not exist.
        public static let processNotFound = Code(storage: .processNotFound)
        /// A required category cannot be served on this machine.
        public static let backendUnavailable = Code(storage: .backendUnavailable)
        /// Loading or attaching an eBPF backend failed.
        public static let backendFailed = Code(storage: .backendFailed)
        /// The run's cgroup could not be made or joined.
        public static let containmentFailed = Code(storage: .containmentFailed)
        public static let invalidConfiguration = Code(storage: .invalidConfiguration)
        /// A strict subscriber (`ObserverConfig.strict()`) named a category this machine cannot
        /// serve; the message names each one with the probe's reason and remedy.
        public static let categoryUnavailable = Code(storage: .categoryUnavailable)
        /// A recording (`RunRecording`) could not be opened or read: the errno says why.
        public static let recordingUnreadable = Code(storage: .recordingUnreadable)
        /// A recording's content is not what `EventJSON` writes (not JSON Lines, a line damaged
        /// before the last, a schema of another major version).
        public static let invalidRecording = Code(storage: .invalidRecording)
        /// A segmented recording's directory (`SegmentedRecordingWriter`) could not be made or
        /// written, or already holds a recording.
        public static let recordingNotWritable = Code(storage: .recordingNotWritable)

        public var description: String { "\(storage)" }
    }

    public let code: Code
    /// The errno behind the failure, when there is one.
    public let underlying: Errno?
    /// What failed, as a phrase that starts lower-case: `starting "/usr/bin/true"`.
    public let failure: String
    /// Why, as a phrase: `the working directory "/nonexistent" does not exist`.
    public let reason: String
    /// The system call or step that returned `underlying`: `chdir`, `pipe2 (the start gate)`.
    public let call: String?
    /// What a user can do about it, as a sentence without its final full stop; nil when nothing.
    public let remedy: String?

    init(
        _ code: Code, failure: String, reason: String, call: String? = nil, errno: Errno? = nil,
        remedy: String? = nil
    ) {
        self.code = code
        self.failure = failure
        self.reason = reason
        self.call = call
        self.underlying = errno
        self.remedy = remedy
    }

    /// The whole sentence: `<Failure> failed: <reason> (<call>: <ERRNO>). <Remedy>.`
    public var message: String {
        let head = failure.prefix(1).uppercased() + failure.dropFirst()
        return "\(head) failed: \(detail)"
    }

    /// The message without its `<Failure> failed: ` head, for a caller that already names what
    /// failed (`obsctl: ./x: cannot be executed …`).
    public var detail: String {
        var text = cause + "."
        if let remedy { text += " \(remedy)." }
        return text
    }

    /// The reason with the call and errno, without a full stop: `the working directory … does
    /// not exist (chdir: ENOENT)`, for a sentence of the caller's.
    public var cause: String {
        switch (call, underlying) {
        case (let call?, let errno?): "\(reason) (\(call): \(ErrnoName.name(of: errno.rawValue)))"
        case (nil, let errno?): "\(reason) (\(ErrnoName.name(of: errno.rawValue)))"
        case (let call?, nil): "\(reason) (\(call))"
        case (nil, nil): reason
        }
    }

    public var description: String { message }
}

// MARK: - the errors of starting a process

extension ObserverError {
    /// `starting "<path>"`, quoted like hostile bytes in the human event format.
    static func starting(_ path: ByteString) -> String { "starting \(path.shellQuoted)" }

    static func executableNotFound(_ name: String) -> ObserverError {
        ObserverError(
            .executableNotFound, failure: starting(ByteString(name)),
            reason: "no executable named \(ByteString(name).shellQuoted) is on PATH",
            errno: .noSuchFileOrDirectory, remedy: "Check the name, or give a path")
    }

    /// The errno of `execve(2)` (or of posix_spawn, which reports execve's).
    static func exec(_ path: ByteString, errno: Errno) -> ObserverError {
        let failure = starting(path)
        switch errno {
        case .noSuchFileOrDirectory:
            return ObserverError(
                .executableNotFound, failure: failure, reason: "the executable or its interpreter does not exist",
                call: "execve", errno: errno, remedy: "Check the path, and the interpreter named on its #! line")
        case .permissionDenied, .isDirectory, .notPermitted:
            return ObserverError(
                .notExecutable, failure: failure, reason: "the file cannot be executed", call: "execve", errno: errno,
                remedy: "Check its execute permission and that it is a regular file")
        case .execFormatError:
            return ObserverError(
                .notExecutable, failure: failure, reason: "the file is not in a format this machine can execute",
                call: "execve", errno: errno,
                remedy: "Check that it is a program for this architecture, or a script with a #! line")
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem, .resourceTemporarilyUnavailable, .noMemory:
            return resourceLimit(failure: failure, call: "execve", errno: errno)
        default:
            return ObserverError(
                .spawnFailed, failure: failure, reason: "the kernel refused to run it", call: "execve", errno: errno)
        }
    }

    /// A step the child takes between fork and exec failed (reported through the error pipe).
    static func childSetUp(_ step: ChildStep, path: ByteString, workingDirectory: ByteString?, errno: Errno)
        -> ObserverError
    {
        let failure = starting(path)
        switch step {
        case .changeDirectory:
            let dir = (workingDirectory ?? "").shellQuoted
            let reason: String
            switch errno {
            case .noSuchFileOrDirectory: reason = "the working directory \(dir) does not exist"
            case .notDirectory: reason = "the working directory \(dir) is not a directory"
            case .permissionDenied: reason = "the working directory \(dir) may not be entered"
            default: reason = "the working directory \(dir) cannot be entered"
            }
            return ObserverError(
                .failedToChangeWorkingDirectory, failure: failure, reason: reason, call: "chdir", errno: errno,
                remedy: "Give a directory that exists and that this user may enter")
        case .standardIO(let fd):
            let name = ["standard input", "standard output", "standard error"][Int(min(2, max(0, fd)))]
            return ObserverError(
                .failedToSetUpStandardIO, failure: failure, reason: "its \(name) could not be put in place",
                call: "dup2", errno: errno, remedy: "Pass an open descriptor for \(name)")
        case .processGroup:
            return ObserverError(
                .failedToCreateProcessGroup, failure: failure,
                reason: "the child could not get a process group of its own", call: "setpgid", errno: errno)
        case .startGate:
            return ObserverError(
                .startGateFailed, failure: failure, reason: "the child could not wait at the start gate",
                call: "read (the start gate)", errno: errno)
        }
    }

    /// EAGAIN from fork (the process limit), EMFILE/ENFILE (the descriptor limits), ENOMEM.
    static func resourceLimit(failure: String, call: String, errno: Errno) -> ObserverError {
        let reason: String
        let remedy: String
        switch errno {
        case .tooManyOpenFiles:
            reason = "this process has reached its limit of open descriptors"
            remedy = "Raise RLIMIT_NOFILE (ulimit -n), or close descriptors this process no longer needs"
        case .tooManyOpenFilesInSystem:
            reason = "the machine has reached its limit of open files"
            remedy = "Raise fs.file-max, or end processes that hold many files"
        case .noMemory:
            reason = "the kernel is out of memory"
            remedy = "Free memory, or raise the memory limit of this process's cgroup"
        default:
            reason = "the limit on processes has been reached"
            remedy = "Raise RLIMIT_NPROC (ulimit -u) or the cgroup's pids.max, or end processes"
        }
        return ObserverError(.resourceLimit, failure: failure, reason: reason, call: call, errno: errno, remedy: remedy)
    }

    /// A call that creates a descriptor or a process failed: a limit when the errno says so,
    /// else `code` with `reason`.
    static func systemCall(
        _ code: Code, failure: String, call: String, errno: Errno, reason: String, remedy: String? = nil
    ) -> ObserverError {
        switch errno {
        case .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noMemory, .resourceTemporarilyUnavailable:
            return resourceLimit(failure: failure, call: call, errno: errno)
        default:
            return ObserverError(code, failure: failure, reason: reason, call: call, errno: errno, remedy: remedy)
        }
    }
}

/// The step of the child's set-up that failed, as the C shim reports it (`obs_spawn_step`).
enum ChildStep: Hashable, Sendable {
    case processGroup
    case standardIO(fd: Int32)
    case changeDirectory
    case startGate
}
