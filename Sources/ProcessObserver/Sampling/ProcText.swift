/// Byte-level helpers shared by the `/proc` parsers: ASCII decimals and whitespace-split fields.
///
/// The parsers work on raw bytes, not `String`, because a task name (`comm`) may hold any byte
/// but NUL and `/`, including invalid UTF-8, and because splitting bytes costs no decoding.
enum ProcText {
    /// Whitespace as `/proc` writes it between fields: space, tab, newline.
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A }

    /// The fields of `bytes` separated by runs of whitespace.
    static func fields(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        bytes.split(omittingEmptySubsequences: true, whereSeparator: isSpace)
    }

    /// An unsigned decimal; nil when empty, not all digits, or too large.
    static func unsigned(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// A signed decimal with an optional leading `-`.
    static func signed(_ bytes: ArraySlice<UInt8>) -> Int64? {
        if bytes.first == 0x2D {
            guard let magnitude = unsigned(bytes.dropFirst()), magnitude <= UInt64(Int64.max) else { return nil }
            return -Int64(magnitude)
        }
        guard let magnitude = unsigned(bytes), magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// The `Key: value` lines of `status` and `io`, in order, value trimmed of surrounding whitespace.
    static func keyedLines(_ bytes: [UInt8]) -> [(key: ArraySlice<UInt8>, value: ArraySlice<UInt8>)] {
        var out: [(key: ArraySlice<UInt8>, value: ArraySlice<UInt8>)] = []
        for line in bytes[...].split(separator: 0x0A) {
            guard let colon = line.firstIndex(of: 0x3A) else { continue }
            var value = line[line.index(after: colon)...]
            while let f = value.first, f == 0x20 || f == 0x09 { value = value.dropFirst() }
            while let l = value.last, l == 0x20 || l == 0x09 { value = value.dropLast() }
            out.append((line[..<colon], value))
        }
        return out
    }

    /// The number after `key` on the `key value` line of `bytes` (`cpu.stat`, `cgroup.events`,
    /// `cgroup.stat`); nil when no such line has a number.
    static func value(of key: StaticString, in bytes: [UInt8]) -> UInt64? {
        for line in bytes[...].split(separator: 0x0A) {
            let fields = fields(line)
            if fields.count == 2, equals(fields[0], key) { return unsigned(fields[1]) }
        }
        return nil
    }

    /// Compares a byte slice to an ASCII key without building a `String`.
    @inline(__always)
    static func equals(_ bytes: ArraySlice<UInt8>, _ key: StaticString) -> Bool {
        guard bytes.count == key.utf8CodeUnitCount else { return false }
        return key.withUTF8Buffer { bytes.elementsEqual($0) }
    }
}
