/// A string as the kernel holds it: bytes, usually but not always UTF-8.
///
/// Paths and arguments on Linux are byte strings. We keep the exact bytes so nothing is lost,
/// and offer a lossy `String` (invalid sequences become U+FFFD) for display.
public struct ByteString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 { self.bytes = Array(bytes) }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    /// Reads a NUL-terminated C string.
    public init(cString: UnsafePointer<CChar>) {
        var count = 0
        while cString[count] != 0 { count += 1 }
        self.bytes = cString.withMemoryRebound(to: UInt8.self, capacity: count) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// Whether the bytes are valid UTF-8, so `string` is exact.
    public var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// The bytes decoded as UTF-8, with each invalid sequence replaced by U+FFFD.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { string }
}
