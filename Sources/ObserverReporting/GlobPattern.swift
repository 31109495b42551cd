/// A shell-style glob for `obsctl diff --ignore`: `*` matches any characters, `/` included (so
/// `/home/me/.cache/*` covers the whole tree), `?` one character, `[abc]`, `[a-z]` and `[!abc]`
/// one of (or none of) a set; any other character, `\`-escaped ones included, matches itself.
///
/// A glob is matched against a name as the diff shows it, its normalised pattern: a `*` the
/// normalisation put there is a character like any other, and `/tmp/*` covers `/tmp/cc*.s`.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    private let pattern: [Character]

    public init(_ text: String) {
        description = text
        pattern = Array(text)
    }

    /// Whether the whole of `name` matches.
    public func matches(_ name: String) -> Bool {
        let text = Array(name)
        // Iterative matching with one backtrack point for the last `*` (linear for most globs).
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                starP = p
                starT = t
                p += 1
                continue
            }
            if p < pattern.count, let next = single(at: p, matching: text[t]) {
                p = next
                t += 1
                continue
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// When the pattern element at `p` (not `*`) matches `c`, the index after it.
    private func single(at p: Int, matching c: Character) -> Int? {
        switch pattern[p] {
        case "?": return p + 1
        case "[":
            guard let (matched, end) = bracket(at: p, c) else { return pattern[p] == c ? p + 1 : nil }
            return matched ? end : nil
        case "\\" where p + 1 < pattern.count:
            return pattern[p + 1] == c ? p + 2 : nil
        default:
            return pattern[p] == c ? p + 1 : nil
        }
    }

    /// A bracket expression at `p`: whether `c` is in it and the index after its `]`; nil when
    /// it has no closing `]` (then `[` is an ordinary character).
    private func bracket(at p: Int, _ c: Character) -> (Bool, Int)? {
        var i = p + 1
        var negated = false
        if i < pattern.count, pattern[i] == "!" || pattern[i] == "^" {
            negated = true
            i += 1
        }
        var found = false
        var first = true
        while i < pattern.count {
            if pattern[i] == "]" && !first { return (found != negated, i + 1) }
            first = false
            if i + 2 < pattern.count, pattern[i + 1] == "-", pattern[i + 2] != "]" {
                if pattern[i] <= c && c <= pattern[i + 2] { found = true }
                i += 3
            } else {
                if pattern[i] == c { found = true }
                i += 1
            }
        }
        return nil
    }
}
