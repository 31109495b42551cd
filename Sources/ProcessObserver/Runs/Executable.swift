import SystemPackage

/// Which program to run: a name looked up on `PATH`, or a path.
public struct Executable: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Hashable, Sendable {
        case name(String)
        case path(FilePath)
    }
    let storage: Storage

    /// A name found on the child's `PATH` (or ours, when the child's environment has none).
    /// A name containing a slash is taken as a path.
    public static func name(_ name: String) -> Executable {
        name.contains("/") ? Executable(storage: .path(FilePath(name))) : Executable(storage: .name(name))
    }

    /// A path, absolute or relative to the child's working directory.
    public static func path(_ path: FilePath) -> Executable { Executable(storage: .path(path)) }

    public var description: String {
        switch storage {
        case .name(let name): name
        case .path(let path): path.string
        }
    }
}
