/// One path an event names: as the process passed it, and made absolute where the kernel could.
///
/// The pair travels together because every reader that shows a path wants both: the absolute
/// path says which file it was, the path as passed says what the program asked for. `passed` is
/// nil only for fchdir, which names its directory by a descriptor.
public struct EventPath: Sendable, Hashable {
    /// The path as passed to the call.
    public var passed: CapturedString?
    /// The path made absolute (`Docs/EVENTS.md`, "Absolute paths"), when the event carries one.
    public var absolute: ResolvedPath?

    public init(passed: CapturedString?, absolute: ResolvedPath?) {
        self.passed = passed
        self.absolute = absolute
    }

    /// The absolute path when it could be walked, nil otherwise: an unwalkable one names nothing.
    public var walkableAbsolute: ResolvedPath? {
        guard let absolute, !absolute.unwalkable else { return nil }
        return absolute
    }
}
