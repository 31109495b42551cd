/// Joins a path as passed to the directory the kernel resolved for it, and normalises the
/// result only where that cannot change which file it names.
///
/// The rule (also in `Docs/EVENTS.md`):
/// - empty components (`a//b`) and `.` components are removed, and so is a trailing `/`;
/// - a `..` at the start of the path as passed is applied to the base directory: the base is a
///   real directory the kernel walked, so its parent is real (`..` at `/` stays at `/`);
/// - a `..` after a component of the path as passed is kept: that component may be a symlink,
///   whose `..` is the parent of its target, which only the kernel's lookup knows;
/// - an absolute path as passed gets the same treatment, with `/` as its base.
enum PathJoin {
    /// `base` (absolute, from the kernel) joined with `path` (relative, as passed).
    /// `baseTruncated` says `base` lacks its leading components: its `..` cannot be applied.
    static func join(base: ByteString, path: ByteString, baseTruncated: Bool = false) -> ByteString {
        // Nearly every path as passed has nothing to normalise: one concatenation.
        if isPlain(path.bytes) && isPlain(base.bytes, rooted: !baseTruncated) {
            if path.bytes.isEmpty { return base }
            if base.bytes == [slash] { return ByteString(bytes: base.bytes + path.bytes) }
            return ByteString(bytes: base.bytes + [slash] + path.bytes)
        }
        var components = split(base.bytes)
        let rooted = !baseTruncated
        var leading = true
        var kept: [[UInt8]] = []
        for component in split(path.bytes) {
            // A truncated base's start is unknown: its leading ".." are kept as passed.
            if component == dotDot && leading && rooted {
                if !components.isEmpty { components.removeLast() }
                continue
            }
            leading = false
            kept.append(component)
        }
        return assemble(components + kept, rooted: rooted)
    }

    /// An absolute path as passed, normalised by the same rule.
    static func normalise(absolute path: ByteString) -> ByteString {
        if path.bytes.first == slash && isPlain(path.bytes.dropFirst()) { return path }
        return join(base: ByteString(bytes: [slash]), path: path)
    }

    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    /// Whether `bytes` (relative, or absolute when `rooted`) has no empty, `.` or `..`
    /// component and no trailing `/`: then the rule leaves it as it is.
    static func isPlain<C: BidirectionalCollection>(_ bytes: C, rooted: Bool = false) -> Bool where C.Element == UInt8 {
        var rest = bytes[...]
        if rooted {
            guard rest.first == slash else { return false }
            rest = rest.dropFirst()
            if rest.isEmpty { return true }  // "/"
        }
        if rest.isEmpty { return true }
        var start = rest.startIndex
        var i = start
        while true {
            let end = i == rest.endIndex || rest[i] == slash
            if end {
                let component = rest[start..<i]
                let n = component.count
                if n == 0 { return false }
                if component.first == dot && (n == 1 || (n == 2 && component.last == dot)) { return false }
                if i == rest.endIndex { return true }
                start = rest.index(after: i)
            }
            i = rest.index(after: i)
        }
    }

    private static let dotDot: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: ".")]

    /// Components without empty ones and `.`.
    private static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            .map(Array.init)
            .filter { $0 != [UInt8(ascii: ".")] }
    }

    private static func assemble(_ components: [[UInt8]], rooted: Bool) -> ByteString {
        var out: [UInt8] = []
        for (i, component) in components.enumerated() {
            if rooted || i > 0 { out.append(UInt8(ascii: "/")) }
            out += component
        }
        if out.isEmpty && rooted { out = [UInt8(ascii: "/")] }
        return ByteString(bytes: out)
    }
}
