/// A growable byte buffer that text is written into piece by piece, kept and reused from one
/// line to the next.
///
/// The human event line (`obsctl watch`'s default output) is written here: a flood of file
/// events formats tens of thousands of lines a second, and building each from `String`
/// concatenations cost more CPU than the observed command (`Docs/BENCHMARKS.md`, "User space per
/// event"). Bytes are stored through a pointer with one bounds check per write and no `Array`
/// uniqueness check; the memory grows when a line outgrows it and is then kept, so an ordinary
/// line allocates nothing. `string(_:)` serves the callers that want a `String` from the same
/// writing code, so every wording exists once. A noncopyable struct written through `inout`
/// rather than a class: a class's stored properties are checked for exclusive access at run
/// time on every write, which cost a tenth of the line.
public struct LineBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written since the last `removeAll()`.
    public private(set) var count = 0

    public init(capacity: Int = 1024) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Forgets what was written; the memory is kept.
    public mutating func removeAll() { count = 0 }

    /// The bytes written, valid until the next write.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// The bytes written, as a `String`.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// What `write` writes into a new buffer, as a `String`: the slow way to the same words.
    public static func string(capacity: Int = 128, _ write: (inout LineBuffer) -> Void) -> String {
        var buffer = LineBuffer(capacity: capacity)
        write(&buffer)
        return buffer.string
    }

    /// Makes room for `n` more bytes.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(n) }
    }

    @inline(never)
    mutating func grow(_ n: Int) {
        let bigger = Swift.max(capacity * 2, count + n)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        storage.update(from: base, count: count)
        base.deallocate()
        base = storage
        capacity = bigger
    }

    // MARK: bytes and text

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        let target = base + count
        if bytes.count <= 16 {
            // Names, numbers and words: a call to memmove costs more than the copy.
            for i in 0..<bytes.count { target[i] = source[i] }
        } else {
            target.update(from: source, count: bytes.count)
        }
        count += bytes.count
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    public mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }

    /// Appends a string's UTF-8 (no copy of the string: a native string's storage is read).
    public mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for byte in text.utf8 { append(byte) }
        }
    }

    /// `byte` `n` times.
    public mutating func append(repeating byte: UInt8, count n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).initialize(repeating: byte, count: n)
        count += n
    }

    // MARK: numbers

    /// Decimal digits of `value`, as `String(value)` writes them.
    public mutating func appendDecimal(_ value: UInt64) {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        reserve(digits)
        var i = count + digits
        rest = value
        repeat {
            i -= 1
            base[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest > 0
        count += digits
    }

    /// Decimal digits of `value` with a leading `-` when negative, as `String(value)` writes them.
    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    public mutating func appendDecimal(_ value: Int32) { appendDecimal(Int64(value)) }
    public mutating func appendDecimal(_ value: Int) { appendDecimal(Int64(value)) }
    public mutating func appendDecimal(_ value: UInt16) { appendDecimal(UInt64(value)) }
    public mutating func appendDecimal(_ value: UInt32) { appendDecimal(UInt64(value)) }

    /// Octal digits of `value`, as `String(value, radix: 8)` writes them.
    public mutating func appendOctal(_ value: UInt32) {
        var shift = 30
        while shift > 0, value >> UInt32(shift) == 0 { shift -= 3 }
        while shift >= 0 {
            append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: (value >> UInt32(shift)) & 7))
            shift -= 3
        }
    }

    /// `value` in at least `width` digits, zeros in front (`007`).
    public mutating func appendDecimal(_ value: UInt64, zeroPaddedTo width: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        append(repeating: UInt8(ascii: "0"), count: width - digits)
        appendDecimal(value)
    }

    // MARK: columns

    /// Pads what was written since `start` with spaces after it to `width` bytes (a column of
    /// ASCII text, left-aligned).
    public mutating func padColumn(from start: Int, to width: Int) {
        append(repeating: UInt8(ascii: " "), count: width - (count - start))
    }

    /// Moves what was written since `start` right, spaces in front, to fill `width` bytes (a
    /// column of ASCII text, right-aligned).
    public mutating func rightAlignColumn(from start: Int, to width: Int) {
        let written = count - start
        let pad = width - written
        guard pad > 0 else { return }
        reserve(pad)
        var i = written
        while i > 0 {
            i -= 1
            base[start + pad + i] = base[start + i]
        }
        (base + start).update(repeating: UInt8(ascii: " "), count: pad)
        count += pad
    }
}
