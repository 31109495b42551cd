/// Names for the `O_*` bits of an `open(2)`/`openat(2)`/`openat2(2)` flags word, as the kernel
/// of this architecture defines them.
///
/// The values are the kernel ABI (`include/uapi/asm-generic/fcntl.h`, with the arm64 overrides),
/// not glibc's headers: glibc hides `O_DIRECT`, `O_PATH`, `O_TMPFILE`… behind `_GNU_SOURCE`, and
/// BPF programs report the raw word the task passed.
public enum OpenFlags {
    /// The names of the bits set in `flags`, access mode first (`O_RDONLY`, `O_WRONLY` or
    /// `O_RDWR`), then the others in ascending bit order. `O_SYNC` and `O_TMPFILE` are reported
    /// as such (not as their component bits); bits without a name appear as `0x…` hex.
    ///
    /// `names(of: 0o1101)` is `["O_WRONLY", "O_CREAT", "O_TRUNC"]`.
    public static func names(of flags: Int32) -> [String] {
        var names: [String] = []
        forEachName(of: flags) { names.append($0) }
        return names
    }

    /// Appends the names `names(of:)` lists joined by `|` (`O_WRONLY|O_CREAT|O_TRUNC`), without
    /// building the array (the human line names the flags of every open event).
    public static func appendNames(of flags: Int32, to out: inout LineBuffer) {
        var first = true
        forEachName(of: flags) { name in
            if !first { out.append(UInt8(ascii: "|")) }
            first = false
            out.append(name)
        }
    }

    /// Calls `body` with each name `names(of:)` lists, in its order, without building the array
    /// (the JSON writer names the flags of every open event).
    static func forEachName(of flags: Int32, _ body: (String) -> Void) {
        var rest = UInt32(bitPattern: flags)
        switch rest & 0o3 {
        case 0: body("O_RDONLY")
        case 1: body("O_WRONLY")
        case 2: body("O_RDWR")
        default: body("O_ACCMODE")
        }
        rest &= ~0o3
        // Composite flags first, so their bits are not named twice.
        if rest & syncBits == syncBits {
            body("O_SYNC")
            rest &= ~syncBits
        }
        if rest & tmpfileBits == tmpfileBits {
            body("O_TMPFILE")
            rest &= ~tmpfileBits
        }
        FlagBits.forEachName(rest, single, body)
    }

    /// The flags word `names(of:)` describes: its inverse, for reading recordings back. Nil when
    /// a name is neither one of ours nor `0x…` hex.
    public static func value(of names: [String]) -> Int32? {
        var bits: UInt32 = 0
        for name in names {
            switch name {
            case "O_RDONLY": break
            case "O_WRONLY": bits |= 1
            case "O_RDWR": bits |= 2
            case "O_ACCMODE": bits |= 3
            case "O_SYNC": bits |= syncBits
            case "O_TMPFILE": bits |= tmpfileBits
            default:
                if let bit = FlagBits.bit(name, single) {
                    bits |= bit
                } else {
                    return nil
                }
            }
        }
        return Int32(bitPattern: bits)
    }

    /// Whether `flags` creates a file (`O_CREAT`, or `O_TMPFILE`), so that the mode argument of
    /// the open counts.
    static func creates(_ flags: Int32) -> Bool {
        let bits = UInt32(bitPattern: flags)
        return bits & create != 0 || bits & tmpfileBits == tmpfileBits
    }

    private static let create: UInt32 = 0o100
    #if arch(arm64)
        private static let directory: UInt32 = 0o40000
        private static let noFollow: UInt32 = 0o100000
        private static let direct: UInt32 = 0o200000
        private static let largeFile: UInt32 = 0o400000
    #else
        private static let directory: UInt32 = 0o200000
        private static let noFollow: UInt32 = 0o400000
        private static let direct: UInt32 = 0o40000
        private static let largeFile: UInt32 = 0o100000
    #endif
    private static let dsync: UInt32 = 0o10000
    /// `O_SYNC` is `__O_SYNC | O_DSYNC`.
    private static let syncBits: UInt32 = 0o4000000 | dsync
    /// `O_TMPFILE` is `__O_TMPFILE | O_DIRECTORY`.
    private static let tmpfileBits: UInt32 = 0o20000000 | directory

    /// Single bits in ascending order of value (on x86-64).
    private static let single: [(UInt32, String)] = [
        (create, "O_CREAT"),
        (0o200, "O_EXCL"),
        (0o400, "O_NOCTTY"),
        (0o1000, "O_TRUNC"),
        (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"),
        (dsync, "O_DSYNC"),
        (0o20000, "O_ASYNC"),
        (direct, "O_DIRECT"),
        (largeFile, "O_LARGEFILE"),
        (directory, "O_DIRECTORY"),
        (noFollow, "O_NOFOLLOW"),
        (0o1000000, "O_NOATIME"),
        (0o2000000, "O_CLOEXEC"),
        (0o4000000, "__O_SYNC"),
        (0o10000000, "O_PATH"),
        (0o20000000, "__O_TMPFILE"),
    ].sorted { $0.0 < $1.0 }
}
