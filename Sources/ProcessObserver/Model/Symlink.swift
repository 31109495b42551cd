/// symlink or symlinkat: a new name whose content is a path.
public struct Symlink: Sendable, Hashable {
    /// The link created, as passed.
    public var path: CapturedString
    /// The text stored in the link, as passed. It is not resolved: the kernel resolves it
    /// relative to the link, when the link is followed, not to the caller.
    public var target: CapturedString
    /// symlinkat's directory descriptor (AT_FDCWD is -100); nil for symlink.
    public var directoryFD: Int32?
    /// The link's absolute path.
    public var absolutePath: ResolvedPath?
    public var result: SyscallResult

    public init(
        path: CapturedString, target: CapturedString, directoryFD: Int32? = nil, absolutePath: ResolvedPath? = nil,
        result: SyscallResult
    ) {
        self.path = path
        self.target = target
        self.directoryFD = directoryFD
        self.absolutePath = absolutePath
        self.result = result
    }
}
