/// Turns the names a run makes afresh every time into patterns, so that two runs of the same
/// command compare equal where they did the same thing (`Docs/DIFF.md`, "Normalisation").
///
/// One rule, applied to every path (files, programs, unix sockets, the paths of failures) and to
/// nothing else (a peer's `host:port` is compared as it is). In this order:
///
/// 1. **The run's own cgroup.** Where the path holds the run's cgroup directory (as the recording's
///    events name it, `/obs.5518.1255822/run.2`) as whole components, that part becomes `**`:
///    `/sys/fs/cgroup/obs.5518.1255822/run.2/cpu.max` → `/sys/fs/cgroup/**/cpu.max`.
/// 2. **Numbers.** A run of 3 or more digits that is a whole segment (between characters that are
///    not letters or digits, or the ends of a component), or of 5 or more digits anywhere,
///    becomes `*`: pids, timestamps, counters (`/proc/5521/stat` → `/proc/*/stat`,
///    `/tmp/go-build1234567` → `/tmp/go-build*`). Versions stay (`python3.11`, `x86_64`, `gcc-12`).
/// 3. **Random parts.** In a segment (a maximal run of ASCII letters and digits) of 6 or more
///    characters, the last 6 become `*`, and the whole segment does when what comes before them
///    holds an upper-case letter or a digit (mktemp(1)'s 10 random characters): in a component
///    right under a temporary directory (one named `tmp`, `temp` or `.tmp`, or `/dev/shm`),
///    always; elsewhere, only when those 6 do not read as a word. `/tmp/ccAbC123.s` and
///    `/tmp/ccxyzqrt.s` → `/tmp/cc*.s`, `/tmp/tmp.Xa9bQ2LmZP/x` → `/tmp/tmp.*/x`,
///    `/src/.sedQx3vKw` → `/src/.sed*`.
///
/// Six characters read as a word when, split into runs of lower-case letters, upper-case letters
/// and digits, they have one run; or two, other than lower-case then one upper-case letter
/// (`abcdeF`); or three shaped like `eFiles` (lower, one upper, at least two lower), `Foo12`
/// (upper, at least two lower, digits) or `md5sum` (lower, digits, lower). Measured over 100,000
/// random mkstemp parts and the 15,926 segments of six characters or more in the names under
/// this machine's `/usr`, `/etc` and this repository: 89% of random parts are caught (78% of those
/// without a digit, a third of all), and 3.6% of real names are taken for random, most of them
/// hexadecimal hashes. Under a temporary directory every random part is caught, at the price of
/// stable long names there reading as patterns too (`/tmp/obsctl-build` → `/tmp/*-build`, the
/// same in every run). What is missed shows as a change (a name added and one removed); what is
/// wrongly caught merges names that differ only there.
public struct NameNormaliser: Sendable, Hashable {
    /// The run's cgroup as its events name it (`/obs.5518.1255822/run.2`); nil when unknown.
    public var runCgroup: String?

    public init(runCgroup: String? = nil) { self.runCgroup = runCgroup }

    /// The pattern of `path`. Anything that is not a path (no `/`) is returned as it is.
    public func normalise(_ path: String) -> String {
        guard path.contains("/") else { return path }
        var text = path
        if let cgroup = runCgroup, cgroup.count > 1 {
            text = Self.replaceComponents(cgroup, in: text)
        }
        var components = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for i in components.indices {
            components[i] = Self.normaliseSegments(components[i], underTemporary: Self.isTemporary(components[..<i]))
        }
        return components.joined(separator: "/")
    }

    /// Whether the directory `parents` name is a temporary one: named `tmp`, `temp` or `.tmp`,
    /// or `/dev/shm`.
    static func isTemporary(_ parents: ArraySlice<String>) -> Bool {
        guard let last = parents.last else { return false }
        if ["tmp", "temp", ".tmp"].contains(last) { return true }
        return last == "shm" && parents.dropLast().last == "dev" && parents.count == 3
    }

    /// The same for a rename's `old → new`.
    public func normaliseRename(_ rename: String) -> String {
        guard let arrow = rename.firstRange(of: " → ") else { return normalise(rename) }
        return normalise(String(rename[..<arrow.lowerBound])) + " → " + normalise(String(rename[arrow.upperBound...]))
    }

    // MARK: the run's cgroup

    /// `cgroup` (a `/`-led path) replaced by `/**` wherever it stands as whole components.
    static func replaceComponents(_ cgroup: String, in path: String) -> String {
        let needle = Array((cgroup.hasSuffix("/") ? String(cgroup.dropLast()) : cgroup).utf8)
        var bytes = Array(path.utf8)
        var i = 0
        while i + needle.count <= bytes.count {
            if bytes[i..<(i + needle.count)].elementsEqual(needle),
                i + needle.count == bytes.count || bytes[i + needle.count] == UInt8(ascii: "/")
            {
                bytes.replaceSubrange(i..<(i + needle.count), with: Array("/**".utf8))
                i += 3
            } else {
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: numbers and random parts

    private enum CharacterClass: Equatable {
        case lower, upper, digit
    }

    private static func characterClass(_ c: UInt8) -> CharacterClass? {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): .lower
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): .upper
        case UInt8(ascii: "0")...UInt8(ascii: "9"): .digit
        default: nil
        }
    }

    /// Rules 2 and 3 over every segment of a component.
    static func normaliseSegments(_ text: String, underTemporary: Bool = false) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard characterClass(bytes[i]) != nil else {
                out.append(bytes[i])
                i += 1
                continue
            }
            var end = i
            while end < bytes.count, characterClass(bytes[end]) != nil { end += 1 }
            out += segment(Array(bytes[i..<end]), underTemporary: underTemporary)
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let star = UInt8(ascii: "*")

    /// One segment (letters and digits only), normalised.
    static func segment(_ s: [UInt8], underTemporary: Bool = false) -> [UInt8] {
        // Rule 2: a whole segment of 3+ digits.
        if s.count >= 3, s.allSatisfy({ characterClass($0) == .digit }) { return [star] }
        // Rule 3: a random tail of 6.
        if s.count >= 6, underTemporary || !readsAsWord(s.suffix(6)) {
            let prefix = s.dropLast(6)
            if prefix.contains(where: { characterClass($0) != .lower }) { return [star] }
            return numbers(Array(prefix)) + [star]
        }
        return numbers(s)
    }

    /// Rule 2 inside a segment: runs of 5+ digits.
    private static func numbers(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < s.count {
            guard characterClass(s[i]) == .digit else {
                out.append(s[i])
                i += 1
                continue
            }
            var end = i
            while end < s.count, characterClass(s[end]) == .digit { end += 1 }
            if end - i >= 5 { out.append(star) } else { out += s[i..<end] }
            i = end
        }
        return out
    }

    /// Whether six letters and digits read as a word (the shapes in the type's comment).
    public static func readsAsWord(_ six: String) -> Bool { readsAsWord(Array(six.utf8)) }

    static func readsAsWord<C: Collection>(_ window: C) -> Bool where C.Element == UInt8 {
        var runs: [(CharacterClass, Int)] = []
        for c in window {
            guard let k = characterClass(c) else { return true }
            if let last = runs.last, last.0 == k {
                runs[runs.count - 1].1 += 1
            } else {
                runs.append((k, 1))
            }
        }
        switch runs.count {
        case 0, 1: return true
        case 2: return !(runs[0].0 == .lower && runs[1].0 == .upper && runs[1].1 == 1)
        case 3:
            let shape = (runs[0].0, runs[1].0, runs[2].0)
            switch shape {
            case (.lower, .upper, .lower): return runs[1].1 == 1 && runs[2].1 >= 2
            case (.upper, .lower, .digit): return runs[1].1 >= 2
            case (.lower, .digit, .lower): return true
            default: return false
            }
        default: return false
        }
    }
}
