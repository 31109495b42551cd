import SystemPackage

/// Where the child's standard input comes from.
public enum InputSource: Sendable, Hashable {
    /// Our own standard input.
    case inherit
    /// `/dev/null`.
    case null
    /// A descriptor we own; the child gets a duplicate.
    case fileDescriptor(FileDescriptor)
}

/// Where the child's standard output or error goes.
public enum OutputSink: Sendable, Hashable {
    /// Our own descriptor.
    case inherit
    /// `/dev/null`.
    case null
    /// A pipe we read; the first `maxBytes` bytes are kept, the rest read and discarded
    /// (so the child never blocks on a full pipe).
    case capture(maxBytes: Int)
    /// A descriptor we own; the child gets a duplicate.
    case fileDescriptor(FileDescriptor)
}
