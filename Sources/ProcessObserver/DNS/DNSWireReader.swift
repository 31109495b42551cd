/// A bounds-checked cursor over a DNS message's bytes (RFC 1035 §4.1): integers in network
/// order, names with compression pointers, resource records. Every read checks the bytes left
/// and answers `nil` (or throws, for names) rather than reading past them.
struct DNSWireReader {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    private(set) var offset = 0

    /// The longest name on the wire, length bytes and the root's zero included (RFC 1035 §2.3.4).
    static let maxNameLength = 255

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard bytes.count - offset >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() -> UInt32? {
        guard let high = u16(), let low = u16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    /// Reads a name at the cursor and moves past it (past its first pointer, if it has one).
    ///
    /// A pointer must point before the pointer itself, and each further pointer before the one
    /// followed last, so a chain ends after at most as many jumps as there are bytes: a loop is
    /// reported, never followed.
    mutating func name() throws(DNSNameFailure) -> String {
        var labels: [String] = []
        var position = offset
        var wireLength = 0
        var resumeAt: Int?
        var lowestPointer = position
        while true {
            guard position < bytes.count else { throw .truncated }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count else { throw .truncated }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < lowestPointer else { throw .pointerNotBackwards }
                if resumeAt == nil { resumeAt = position + 2 }
                lowestPointer = target
                position = target
            case 0x00:
                wireLength += Int(length) + 1
                guard wireLength <= Self.maxNameLength else { throw .tooLong }
                if length == 0 {
                    offset = resumeAt ?? position + 1
                    return labels.isEmpty ? "." : labels.joined(separator: ".")
                }
                let start = position + 1
                guard bytes.count - start >= Int(length) else { throw .truncated }
                labels.append(Self.presentation(bytes[start..<start + Int(length)]))
                position = start + Int(length)
            default:
                throw .unsupportedLabelType
            }
        }
    }

    /// Reads one resource record; `nil` when it is cut off or malformed (the cursor is then
    /// somewhere inside it, and the caller stops).
    mutating func resourceRecord() -> DNSResourceRecord? {
        guard let name = try? name(), let type = u16(), let rclass = u16(), let ttl = u32(),
            let length = u16().map(Int.init), bytes.count - offset >= length
        else { return nil }
        let start = offset
        let end = start + length
        let data: DNSRecordData
        switch type {
        case DNSRecordType.a where length == 4:
            data = .address(bytes[start..<end].map { String($0) }.joined(separator: "."))
        case DNSRecordType.aaaa where length == 16:
            // The same text as a connect's address (inet_ntop), so the name table finds it.
            let address = Array(bytes[start..<end])
            if let text = address.withUnsafeBytes({ Syscall.ipv6Text($0.baseAddress!) }) {
                data = .address(text)
            } else {
                data = .opaque(length: length)
            }
        case DNSRecordType.cname, DNSRecordType.ns, DNSRecordType.ptr,
            DNSRecordType.dname:
            // The target may use pointers into the whole message, and must end inside RDATA.
            var inner = self
            if let target = try? inner.name(), inner.offset == end {
                data = .name(target)
            } else {
                data = .opaque(length: length)
            }
        default:
            data = .opaque(length: length)
        }
        offset = end
        return DNSResourceRecord(name: name, type: type, rclass: rclass, ttl: ttl, data: data)
    }

    /// A label in presentation form (RFC 4343 §2.1): printable ASCII as itself, `.` and `\` escaped
    /// with a backslash, every other byte as `\DDD`, so hostile bytes never reach a terminal raw.
    static func presentation(_ label: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in label {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "\\"):
                text += "\\" + String(UnicodeScalar(byte))
            case 0x21...0x7E:
                text.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }
}
