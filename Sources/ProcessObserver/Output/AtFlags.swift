/// Names for the `AT_*` bits of a `linkat(2)` flags word (`include/uapi/linux/fcntl.h`).
public enum AtFlags {
    /// The names of the bits set in `flags`, in ascending bit order; bits without a name as
    /// `0x…` hex. `names(of: 0x400)` is `["AT_SYMLINK_FOLLOW"]`.
    public static func names(of flags: Int32) -> [String] {
        FlagBits.names(UInt32(bitPattern: flags), known)
    }

    /// The flags word `names(of:)` came from; nil when a name is not one of these.
    public static func value(of names: [String]) -> Int32? {
        var value: UInt32 = 0
        for name in names {
            guard let bit = FlagBits.bit(name, known) else { return nil }
            value |= bit
        }
        return Int32(bitPattern: value)
    }

    private static let known: [(UInt32, String)] = [
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
        (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
    ]
}
