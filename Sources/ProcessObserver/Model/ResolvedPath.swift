/// The absolute path of a path as passed, resolved in the kernel when the call returned, and
/// how it was obtained (`Docs/EVENTS.md`, "Absolute paths").
///
/// The best source is the file itself (`.file`): the path of the descriptor an open returned,
/// after symlinks, as the kernel names it. Otherwise the path as passed is joined to the
/// directory it was relative to: the dirfd's directory or the working directory, each walked in
/// the kernel at the call. A join is lexical: symlinks and `..` inside the path as passed are
/// not resolved (see `PathJoin` for what is normalised).
public struct ResolvedPath: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable {
        /// The path of the file the call returned or acted on (an opened descriptor, the
        /// directory a chdir entered, the executed file): the kernel's own name for it.
        case file
        /// The path as passed, joined to the path of the call's directory descriptor.
        case directoryFD = "dirfd"
        /// The path as passed, joined to the caller's working directory.
        case workingDirectory = "cwd"
        /// The path as passed was already absolute.
        case asPassed = "as_passed"
    }

    /// The absolute path; empty when `unwalkable`. When `truncated`, its last components only,
    /// without the leading `/`.
    public var value: ByteString
    public var source: Source
    /// Too many components or bytes to walk: `value` holds the path's end.
    public var truncated: Bool
    /// The file or directory had been deleted when the call returned.
    public var deleted: Bool
    /// The path lies outside the process's root (a chroot, another mount namespace): `value`
    /// is from the root of the mount namespace.
    public var outsideRoot: Bool
    /// The kernel could not walk it (a pseudo file such as a pipe, a descriptor not open).
    public var unwalkable: Bool

    public init(
        _ value: ByteString, source: Source, truncated: Bool = false, deleted: Bool = false,
        outsideRoot: Bool = false, unwalkable: Bool = false
    ) {
        self.value = value
        self.source = source
        self.truncated = truncated
        self.deleted = deleted
        self.outsideRoot = outsideRoot
        self.unwalkable = unwalkable
    }

    /// Whether the source is a lexical join rather than the file's own name.
    public var isJoined: Bool { source == .directoryFD || source == .workingDirectory }
}
