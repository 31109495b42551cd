/// Appends one JSON object's members to a byte buffer, in the order they are written.
///
/// Hand-written rather than `Codable` + `JSONEncoder` for three reasons: key order stays stable
/// and readable (`seq`, `ts_ns`, `time`… first), byte strings need the lossless `_b64` scheme
/// (see `EventJSON`), and a flood of events must not pay for Foundation's reflection per line.
struct JSONBuilder {
    var bytes: [UInt8]
    private var needsComma: [Bool] = []

    init(into bytes: [UInt8] = []) { self.bytes = bytes }

    // MARK: containers

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":` so the next value becomes that member's value.
    mutating func key(_ key: StaticString) {
        separate()
        key.withUTF8Buffer { appendEscaped($0) }
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes `"key":` for a key known only at run time (an errno name).
    mutating func key(dynamic key: String) {
        separate()
        var key = key
        key.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// True between a key and its value, which takes no comma of its own.
    private var afterKey = false

    /// A comma before every element but the first of the innermost container.
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    // MARK: values

    mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { appendEscaped($0) }
    }

    /// A string from bytes the caller knows are valid UTF-8, without building a `String`.
    mutating func string(utf8 value: [UInt8]) {
        separate()
        value.withUnsafeBufferPointer { appendEscaped($0) }
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(UInt64(value.magnitude), width: 1)
        } else {
            appendDigits(UInt64(value), width: 1)
        }
    }

    /// Decimal digits of `value`, zero-padded to `width`, without a `String` per number (a flood
    /// of events formats millions of them).
    mutating func appendDigits(_ value: UInt64, width: Int) {
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var end = buffer.count
            var v = value
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            while buffer.count - end < width {
                end -= 1
                buffer[end] = UInt8(ascii: "0")
            }
            bytes.append(contentsOf: buffer[end...])
        }
    }

    /// Writes a raw, already valid JSON fragment (a quoted timestamp, say).
    mutating func raw(_ fragment: (inout [UInt8]) -> Void) {
        separate()
        fragment(&bytes)
    }

    /// A number, or `null` when it is not finite (JSON has no NaN or infinity).
    mutating func double(_ value: Double) {
        separate()
        if value.isFinite {
            bytes.append(contentsOf: String(value).utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    // MARK: members

    mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func member<T: BinaryInteger>(_ name: StaticString, _ value: T) {
        key(name)
        int(value)
    }

    mutating func member(_ name: StaticString, _ value: Double) {
        key(name)
        double(value)
    }

    mutating func member(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// A member whose value is `null` when `value` is nil.
    mutating func member<T: BinaryInteger>(_ name: StaticString, orNull value: T?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    mutating func member(_ name: StaticString, orNull value: Double?) {
        key(name)
        if let value { double(value) } else { null() }
    }

    // MARK: escaping

    /// Writes a JSON string literal for bytes that are valid UTF-8: quotes, backslashes and
    /// every control character (including NUL and newline) are escaped; the rest is copied.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (paths, names) need no escape: copy them whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
