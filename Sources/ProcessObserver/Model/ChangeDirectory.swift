/// chdir or fchdir: the working directory is part of what a process did, and what its later
/// relative paths mean.
public struct ChangeDirectory: Sendable, Hashable {
    /// chdir's path as passed; nil for fchdir.
    public var path: CapturedString?
    /// fchdir's descriptor; nil for chdir.
    public var fd: Int32?
    /// On success the directory entered (source `.file`); on failure chdir's path joined to the
    /// old working directory, or the path of fchdir's descriptor.
    public var absolutePath: ResolvedPath?
    public var result: SyscallResult

    public init(path: CapturedString?, fd: Int32?, absolutePath: ResolvedPath?, result: SyscallResult) {
        self.path = path
        self.fd = fd
        self.absolutePath = absolutePath
        self.result = result
    }
}
