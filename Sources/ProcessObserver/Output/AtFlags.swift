/// Names for the `AT_*` bits of a `linkat(2)` flags word (`include/uapi/linux/fcntl.h`).
public enum AtFlags {
    /// The names of the bits set in `flags`, in ascending bit order; bits without a name as
    /// `0x…` hex. `names(of: 0x400)` is `["AT_SYMLINK_FOLLOW"]`.
    public static func names(of flags: Int32) -> [String] {
        var rest = UInt32(bitPattern: flags)
        var names: [String] = []
        for (bit, name) in known where rest & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        var bit: UInt32 = 1
        while rest != 0 {
            if rest & bit != 0 {
                names.append("0x" + String(bit, radix: 16))
                rest &= ~bit
            }
            bit <<= 1
        }
        return names
    }

    /// The flags word `names(of:)` came from; nil when a name is not one of these.
    public static func value(of names: [String]) -> Int32? {
        var value: UInt32 = 0
        for name in names {
            if let bit = known.first(where: { $0.1 == name })?.0 {
                value |= bit
            } else if name.hasPrefix("0x"), let bit = UInt32(name.dropFirst(2), radix: 16) {
                value |= bit
            } else {
                return nil
            }
        }
        return Int32(bitPattern: value)
    }

    private static let known: [(UInt32, String)] = [
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
        (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
    ]
}
