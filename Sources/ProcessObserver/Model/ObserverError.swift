import SystemPackage

/// The one error the library throws. Its description is a sentence a user can act on.
///
/// Outcomes are not errors: a non-zero exit, a signal, an absent capability or a dropped event
/// are data in the event stream and the run profile.
public struct ObserverError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Storage: Hashable, Sendable {
            case executableNotFound, notExecutable, spawnFailed, waitFailed
            case processNotFound, backendUnavailable, backendFailed, invalidConfiguration
        }
        let storage: Storage

        /// No such executable (name not on `PATH`, or the path does not exist). `obsctl` exits 127.
        public static let executableNotFound = Code(storage: .executableNotFound)
        /// The file exists but cannot be executed (EACCES, ENOEXEC, EISDIR…). `obsctl` exits 126.
        public static let notExecutable = Code(storage: .notExecutable)
        /// fork, pipe or the child's set-up (chdir, dup2) failed.
        public static let spawnFailed = Code(storage: .spawnFailed)
        public static let waitFailed = Code(storage: .waitFailed)
        /// `attach(to:)` named a process that does not exist.
        public static let processNotFound = Code(storage: .processNotFound)
        /// A required category cannot be served on this machine (strict mode).
        public static let backendUnavailable = Code(storage: .backendUnavailable)
        /// Loading or attaching an eBPF backend failed.
        public static let backendFailed = Code(storage: .backendFailed)
        public static let invalidConfiguration = Code(storage: .invalidConfiguration)

        public var description: String { "\(storage)" }
    }

    public let code: Code
    /// The errno behind the failure, when there is one.
    public let underlying: Errno?
    public let message: String

    public init(_ code: Code, _ message: String, underlying: Errno? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }

    static func executableNotFound(_ name: String) -> ObserverError {
        ObserverError(
            .executableNotFound,
            "Executable \"\(name)\" is not found: check the name, or give a path.",
            underlying: .noSuchFileOrDirectory)
    }

    static func exec(_ path: String, errno: Errno) -> ObserverError {
        switch errno {
        case .noSuchFileOrDirectory:
            return ObserverError(
                .executableNotFound,
                "Executable \"\(path)\" is not found (execve: ENOENT): check the path, or its interpreter line.",
                underlying: errno)
        case .permissionDenied, .isDirectory, .notPermitted:
            return ObserverError(
                .notExecutable,
                "Executable \"\(path)\" cannot be executed (execve: \(ErrnoName.name(of: errno.rawValue))): "
                    + "check its execute permission and that it is a regular file.",
                underlying: errno)
        case .execFormatError:
            return ObserverError(
                .notExecutable,
                "\"\(path)\" is not in a format this machine can execute (execve: ENOEXEC).", underlying: errno)
        default:
            return ObserverError(
                .spawnFailed,
                "Starting \"\(path)\" failed in the child before exec: \(ErrnoName.name(of: errno.rawValue)) "
                    + "(\(errno.description)).",
                underlying: errno)
        }
    }
}
