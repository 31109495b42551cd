/// link or linkat: a new name for an existing file.
public struct Link: Sendable, Hashable {
    /// The existing file, as passed.
    public var path: CapturedString
    /// The new name, as passed.
    public var newPath: CapturedString
    /// linkat's directory descriptors (AT_FDCWD is -100); nil for link.
    public var directoryFD: Int32?
    public var newDirectoryFD: Int32?
    /// linkat's flags (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH).
    public var flags: Int32
    public var absolutePath: ResolvedPath?
    public var newAbsolutePath: ResolvedPath?
    public var result: SyscallResult

    public init(
        path: CapturedString, newPath: CapturedString, directoryFD: Int32? = nil, newDirectoryFD: Int32? = nil,
        flags: Int32 = 0, absolutePath: ResolvedPath? = nil, newAbsolutePath: ResolvedPath? = nil,
        result: SyscallResult
    ) {
        self.path = path
        self.newPath = newPath
        self.directoryFD = directoryFD
        self.newDirectoryFD = newDirectoryFD
        self.flags = flags
        self.absolutePath = absolutePath
        self.newAbsolutePath = newAbsolutePath
        self.result = result
    }
}
