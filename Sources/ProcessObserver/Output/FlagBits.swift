/// Naming the bits of a kernel flags word, shared by `OpenFlags` and `AtFlags`: the named bits
/// first, then every bit left as `0x…` hex, and back.
enum FlagBits {
    /// The names of the bits of `rest` found in `named`, in the table's order, then the bits left
    /// as `0x…` hex in ascending order.
    static func names(_ rest: UInt32, _ named: [(UInt32, String)]) -> [String] {
        var names: [String] = []
        forEachName(rest, named) { names.append($0) }
        return names
    }

    /// Calls `body` with each name `names` lists, in its order, without building the array.
    static func forEachName(_ rest: UInt32, _ named: [(UInt32, String)], _ body: (String) -> Void) {
        var rest = rest
        for (bit, name) in named where rest & bit != 0 {
            body(name)
            rest &= ~bit
        }
        var bit: UInt32 = 1
        while rest != 0 {
            if rest & bit != 0 {
                body("0x" + String(bit, radix: 16))
                rest &= ~bit
            }
            bit <<= 1
        }
    }

    /// The bit `name` stands for in `named`, or the `0x…` hex it spells; nil for neither.
    static func bit(_ name: String, _ named: [(UInt32, String)]) -> UInt32? {
        if let bit = named.first(where: { $0.1 == name })?.0 { return bit }
        if name.hasPrefix("0x") { return UInt32(name.dropFirst(2), radix: 16) }
        return nil
    }
}
