/// One parsed JSON value, as the recording reader needs it.
///
/// Numbers keep the form they were written in: `EventJSON` writes integers as plain digits and
/// fractions through `Double`'s description, so an integer up to `UInt64.max` (a `ts_ns`, a
/// `cgroup_id`) or down to `Int64.min` (a `result`) is read back exactly, never through `Double`.
/// Objects keep their members in order, as pairs: a recording line has a few dozen members at
/// most, so a linear lookup costs less than hashing every key of a million lines.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without a fraction or exponent that fits `Int64` (or, when larger, `UInt64`).
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.unsigned(let a), .unsigned(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The member named `key` of an object; nil for a missing member or a value that is not an object.
    subscript(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as a signed integer, when it is an integer that fits.
    var int64: Int64? {
        switch self {
        case .integer(let v): v
        case .unsigned(let v): v <= UInt64(Int64.max) ? Int64(v) : nil
        default: nil
        }
    }

    /// The value as an unsigned integer, when it is a non-negative integer.
    var uint64: UInt64? {
        switch self {
        case .integer(let v): v >= 0 ? UInt64(v) : nil
        case .unsigned(let v): v
        default: nil
        }
    }

    /// Any number as a `Double` (integers too: a writer may print `0` for `0.0`).
    var double: Double? {
        switch self {
        case .double(let v): v
        case .integer(let v): Double(v)
        case .unsigned(let v): Double(v)
        default: nil
        }
    }
}
