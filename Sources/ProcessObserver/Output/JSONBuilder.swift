/// Writes one JSON text's members into raw memory, in the order they are written.
///
/// Hand-written rather than `Codable` + `JSONEncoder` for three reasons: key order stays stable
/// and readable (`seq`, `ts_ns`, `time`… first), byte strings need the lossless `_b64` scheme
/// (see `EventJSON`), and a flood of events must not pay for Foundation's reflection per line.
///
/// A flood formats a million events a second or more (issue 23), so nothing here allocates for
/// an ordinary event: `build(_:)` starts the builder on 1 KiB of stack and moves it to the heap
/// only when a text outgrows that (a long argv, say); bytes are stored through a pointer, with one
/// bounds check per write and no `Array` uniqueness check per byte; the comma state of the open
/// containers is a bit stack in one word. Noncopyable, so the memory it owns is freed exactly once.
struct JSONBuilder: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    private(set) var count = 0
    /// Whether `base` is heap memory this builder allocated (and frees).
    private var ownsBase = false
    /// Bit `i` is set when container `i` (0 the outermost) already has an element, so the next
    /// one takes a comma.
    private var commaBits: UInt64 = 0
    /// Containers open now.
    private var depth = 0
    /// True between a key and its value, which takes no comma of its own.
    private var afterKey = false

    /// Bytes of stack `build(_:)` starts on: the stack-allocation limit that needs no runtime
    /// check, and more than an ordinary event takes (about 250–450 bytes).
    static let stackBytes = 1024

    private init(scratch: UnsafeMutableBufferPointer<UInt8>) {
        base = scratch.baseAddress!
        capacity = scratch.count
    }

    deinit { if ownsBase { base.deallocate() } }

    /// Runs `write` on a new builder, then hands the bytes it wrote to `read` (valid only there).
    static func build<R>(_ write: (inout JSONBuilder) -> Void, _ read: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: stackBytes) { scratch in
            var json = JSONBuilder(scratch: scratch)
            write(&json)
            return read(UnsafeBufferPointer(start: json.base, count: json.count))
        }
    }

    /// The text `write` makes, as a `String`.
    static func string(_ write: (inout JSONBuilder) -> Void) -> String {
        build(write) { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: raw bytes

    /// Makes room for `n` more bytes.
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(n) }
    }

    /// Moves the text to heap memory with room for `n` more bytes (and as much again).
    @inline(never)
    private mutating func grow(_ n: Int) {
        let bigger = Swift.max(capacity * 2, count + n + capacity)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        storage.update(from: base, count: count)
        if ownsBase { base.deallocate() }
        base = storage
        capacity = bigger
        ownsBase = true
    }

    /// Appends one byte as it is (no separator: for fragments inside a value).
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Appends bytes as they are (no separator: for fragments inside a value).
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        Self.copy(bytes, to: base + count)
        count += bytes.count
    }

    /// Copies `bytes` to `target`: short runs (keys, names, numbers) byte by byte, where a call
    /// to `memmove` would cost more than the copy.
    @inline(__always)
    private static func copy(_ bytes: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if bytes.count <= 32 {
            for i in 0..<bytes.count { target[i] = source[i] }
        } else {
            target.update(from: source, count: bytes.count)
        }
    }

    /// Appends an ASCII literal as it is.
    private mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }

    // MARK: containers

    mutating func beginObject() {
        separate()
        append(UInt8(ascii: "{"))
        open()
    }

    mutating func endObject() {
        close()
        append(UInt8(ascii: "}"))
    }

    mutating func beginArray() {
        separate()
        append(UInt8(ascii: "["))
        open()
    }

    mutating func endArray() {
        close()
        append(UInt8(ascii: "]"))
    }

    private mutating func open() {
        precondition(depth < UInt64.bitWidth, "JSONBuilder nests at most 64 containers")
        commaBits &= ~(1 << UInt64(depth))
        depth += 1
    }

    private mutating func close() {
        precondition(depth > 0, "JSONBuilder: a container closed that was not open")
        depth -= 1
    }

    /// Writes `"key":` so the next value becomes that member's value.
    mutating func key(_ key: StaticString) {
        separate()
        // Keys are ours and need no escape: quoted and copied as they are.
        key.withUTF8Buffer { name in
            reserve(name.count + 3)
            base[count] = UInt8(ascii: "\"")
            Self.copy(name, to: base + count + 1)
            base[count + name.count + 1] = UInt8(ascii: "\"")
            base[count + name.count + 2] = UInt8(ascii: ":")
            count += name.count + 3
        }
        afterKey = true
    }

    /// Writes `"key":` for a key known only at run time (an errno name): escaped like a string
    /// value, since it is not ours.
    mutating func key(dynamic key: String) {
        separate()
        var key = key
        key.withUTF8 { appendEscaped($0) }
        append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// A comma before every element but the first of the innermost container.
    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if commaBits & bit != 0 { append(UInt8(ascii: ",")) }
        commaBits |= bit
    }

    // MARK: values

    mutating func string(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { appendEscaped($0) }
    }

    /// A string from bytes the caller knows are valid UTF-8, without building a `String`.
    mutating func string(utf8 value: UnsafeBufferPointer<UInt8>) {
        separate()
        appendEscaped(value)
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendDigits(UInt64(value.magnitude), width: 1)
        } else {
            appendDigits(UInt64(value), width: 1)
        }
    }

    /// Decimal digits of `value`, zero-padded to `width`, written in place two at a time (a
    /// flood of events formats millions of numbers).
    mutating func appendDigits(_ value: UInt64, width: Int) {
        let total = Swift.max(Self.digitCount(value), width)
        reserve(total)
        var v = value
        var at = count + total
        Self.pairs.withUTF8Buffer { pairs in
            while v >= 100 {
                let pair = Int(v % 100) * 2
                v /= 100
                at -= 2
                base[at] = pairs[pair]
                base[at + 1] = pairs[pair + 1]
            }
            if v >= 10 {
                at -= 2
                base[at] = pairs[Int(v) * 2]
                base[at + 1] = pairs[Int(v) * 2 + 1]
            } else {
                at -= 1
                base[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v)
            }
        }
        while at > count {
            at -= 1
            base[at] = UInt8(ascii: "0")
        }
        count += total
    }

    /// "00" to "99", for writing two digits per division.
    private static let pairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// How many decimal digits `value` has (1 for 0).
    @inline(__always)
    static func digitCount(_ value: UInt64) -> Int {
        var digits = 1
        var bound: UInt64 = 10
        while digits < 20 && value >= bound {
            digits += 1
            bound = bound &* 10
        }
        return digits
    }

    /// Starts a value whose bytes the caller appends itself (`append`): a quoted timestamp, say.
    mutating func beginRawValue() { separate() }

    /// A number, or `null` when it is not finite (JSON has no NaN or infinity).
    mutating func double(_ value: Double) {
        separate()
        if value.isFinite {
            var text = String(value)
            text.withUTF8 { append($0) }
        } else {
            append("null")
        }
    }

    mutating func bool(_ value: Bool) {
        separate()
        append(value ? "true" : "false")
    }

    mutating func null() {
        separate()
        append("null")
    }

    // MARK: members

    mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    /// A member whose value is a literal: no `String` is made for it.
    mutating func member(_ name: StaticString, literal value: StaticString) {
        key(name)
        separate()
        value.withUTF8Buffer { appendEscaped($0) }
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
    mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Most strings (paths, names) need no escape: one branch-free scan (which the compiler
        // vectorises), then one copy with the quotes around it.
        var escapes: UInt8 = 0
        for byte in utf8 {
            escapes |=
                (byte < 0x20 ? 1 : 0) | (byte == 0x7F ? 1 : 0) | (byte == UInt8(ascii: "\"") ? 1 : 0)
                | (byte == UInt8(ascii: "\\") ? 1 : 0)
        }
        guard escapes == 0 else { return appendEscapedSlowly(utf8) }
        reserve(utf8.count + 2)
        base[count] = UInt8(ascii: "\"")
        Self.copy(utf8, to: base + count + 1)
        base[count + utf8.count + 1] = UInt8(ascii: "\"")
        count += utf8.count + 2
    }

    /// `appendEscaped` for a string with something to escape: byte by byte.
    @inline(never)
    private mutating func appendEscapedSlowly(_ utf8: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0..<0x20, 0x7F:
                let hex: StaticString = "0123456789abcdef"
                append("\\u00")
                append(hex.utf8Start[Int(byte >> 4)])
                append(hex.utf8Start[Int(byte & 0xF)])
            default: append(byte)
            }
        }
        append(UInt8(ascii: "\""))
    }
}
