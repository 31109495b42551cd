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

    private static let known: [(UInt32, String)] = [
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
        (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
    ]
}
