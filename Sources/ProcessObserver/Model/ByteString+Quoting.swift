extension ByteString {
    /// Shell-style quoting, so that a hostile name can neither hide bytes nor break a line: bare
    /// when every byte is safe, `'…'` for printable UTF-8, `$'…'` with `\n`, `\t` and `\xNN`
    /// escapes when there are control characters or bytes that are not UTF-8.
    ///
    /// Used for every byte string shown to people: `obsctl`'s human event format and the
    /// library's error messages. Written by `LineBuffer.appendShellQuoted(_:)`, the one quoting.
    public var shellQuoted: String {
        LineBuffer.string(capacity: bytes.count + 8) { $0.appendShellQuoted(bytes) }
    }
}

extension LineBuffer {
    /// Appends `bytes` quoted as `ByteString.shellQuoted` says, decided by one scan of the bytes
    /// (no `String` is made): bare, `'…'` or `$'…'`.
    public mutating func appendShellQuoted(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { appendShellQuoted($0) }
    }

    public mutating func appendShellQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch ShellQuoting.form(of: bytes) {
        case .bare:
            append(bytes)
        case .single:
            append(UInt8(ascii: "'"))
            for byte in bytes {
                if byte == UInt8(ascii: "'") { append("'\\''") } else { append(byte) }
            }
            append(UInt8(ascii: "'"))
        case .dollar:
            appendDollarQuoted(bytes)
        }
    }

    /// `$'…'`: valid multi-byte UTF-8 kept readable, `\n`, `\t`, `\r`, `\'`, `\\`, and `\xNN`
    /// for every other byte that is not printable ASCII.
    private mutating func appendDollarQuoted(_ bytes: UnsafeBufferPointer<UInt8>) {
        append("$'")
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x0A: append("\\n")
            case 0x09: append("\\t")
            case 0x0D: append("\\r")
            case UInt8(ascii: "'"): append("\\'")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x20..<0x7F: append(b)
            case 0x80...:
                // Keep valid multi-byte sequences readable; escape the bytes of invalid ones.
                let length = ShellQuoting.scalarLength(bytes, at: i)
                if length > 1 {
                    append(UnsafeBufferPointer(rebasing: bytes[i..<i + length]))
                    i += length
                    continue
                }
                appendHexEscape(b)
            default: appendHexEscape(b)
            }
            i += 1
        }
        append(UInt8(ascii: "'"))
    }

    /// `\x0a`: two lower-case hex digits.
    private mutating func appendHexEscape(_ byte: UInt8) {
        append("\\x")
        append(ShellQuoting.hexDigit(byte >> 4))
        append(ShellQuoting.hexDigit(byte & 0xF))
    }
}

/// How `shellQuoted` quotes a byte string, decided from its bytes alone.
enum ShellQuoting {
    enum Form {
        /// Every byte is one of `A-Za-z0-9_./:=,@%+-` (and there is at least one).
        case bare
        /// Valid UTF-8 without control characters: `'…'`.
        case single
        /// `$'…'` with escapes.
        case dollar
    }

    /// The bytes that need no quoting, as a 128-bit set (bit `b` of the pair is byte `b`):
    /// `A-Za-z0-9_./:=,@%+-`.
    static let safeLow: UInt64 = 0x27ff_f820_0000_0000
    static let safeHigh: UInt64 = 0x07ff_fffe_87ff_ffff

    @inline(__always)
    static func isSafe(_ byte: UInt8) -> Bool {
        let word = byte < 64 ? safeLow : byte < 128 ? safeHigh : 0
        return (word >> UInt64(byte & 63)) & 1 == 1
    }

    static func form(of bytes: UnsafeBufferPointer<UInt8>) -> Form {
        guard !bytes.isEmpty else { return .single }
        var i = 0
        while i < bytes.count, isSafe(bytes[i]) { i += 1 }
        if i == bytes.count { return .bare }
        // Printable UTF-8 from here on, or else escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 || b == 0x7F { return .dollar }
                i += 1
            } else {
                let length = scalarLength(bytes, at: i)
                if length == 0 { return .dollar }
                i += length
            }
        }
        return .single
    }

    /// The length of the well-formed UTF-8 sequence that starts at `i` (1 to 4), 0 when the bytes
    /// there are not one (the Unicode Standard's table 3-7: no overlong forms, no surrogates,
    /// nothing above U+10FFFF), as `String(validating:)` judges them.
    static func scalarLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let lead = bytes[i]
        if lead < 0x80 { return 1 }
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: return 0
        }
        guard i + length <= bytes.count else { return 0 }
        let second = bytes[i + 1]
        guard second >= low, second <= high else { return 0 }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return 0 }
        return length
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
