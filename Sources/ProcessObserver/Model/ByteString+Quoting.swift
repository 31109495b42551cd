extension ByteString {
    /// Shell-style quoting, so that a hostile name can neither hide bytes nor break a line: bare
    /// when every byte is safe, `'…'` for printable UTF-8, `$'…'` with `\n`, `\t` and `\xNN`
    /// escapes when there are control characters or bytes that are not UTF-8.
    ///
    /// Used for every byte string shown to people: `obsctl`'s human event format and the
    /// library's error messages.
    public var shellQuoted: String {
        let safe = Self.safeBytes
        if !bytes.isEmpty, bytes.allSatisfy(safe.contains) { return String(decoding: bytes, as: UTF8.self) }
        if let text = String(validating: bytes, as: UTF8.self), !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "'" + text.replacing("'", with: "'\\''") + "'"
        }
        var out = "$'"
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case UInt8(ascii: "'"): out += "\\'"
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out += String(UnicodeScalar(b))
            case 0x80...:
                // Keep valid multi-byte sequences readable; escape the bytes of invalid ones.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                if length > 1, i + length <= bytes.count,
                    let scalar = String(validating: bytes[i..<i + length], as: UTF8.self)
                {
                    out += scalar
                    i += length
                    continue
                }
                out += Self.hexEscape(b)
            default: out += Self.hexEscape(b)
            }
            i += 1
        }
        return out + "'"
    }

    private static let safeBytes = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-".utf8)

    private static func hexEscape(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16)
        return "\\x" + (hex.count < 2 ? "0" + hex : hex)
    }
}
