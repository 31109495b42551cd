/// A small JSON writer for the report document: values nest through closures, so a renderer
/// reads like the document it writes. Not for floods (the event stream has `JSONBuilder`); a
/// report is written once.
struct JSONText {
    private(set) var text = ""
    private var first = [true]

    private mutating func separate() {
        if first[first.count - 1] { first[first.count - 1] = false } else { text += "," }
    }

    mutating func object(_ body: (inout JSONText) -> Void) {
        separate()
        text += "{"
        first.append(true)
        body(&self)
        first.removeLast()
        text += "}"
    }

    mutating func array(_ body: (inout JSONText) -> Void) {
        separate()
        text += "["
        first.append(true)
        body(&self)
        first.removeLast()
        text += "]"
    }

    /// `"key":` then the value `body` writes.
    mutating func key(_ key: String, _ body: (inout JSONText) -> Void) {
        separate()
        Self.quote(key, into: &text)
        text += ":"
        first.append(true)
        body(&self)
        first.removeLast()
    }

    mutating func string(_ value: String) {
        separate()
        Self.quote(value, into: &text)
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        text += String(value)
    }

    mutating func double(_ value: Double) {
        separate()
        text += value.isFinite ? String(value) : "null"
    }

    mutating func bool(_ value: Bool) {
        separate()
        text += value ? "true" : "false"
    }

    mutating func null() {
        separate()
        text += "null"
    }

    mutating func member(_ key: String, _ value: String) { self.key(key) { $0.string(value) } }
    mutating func member<T: BinaryInteger>(_ key: String, _ value: T) { self.key(key) { $0.int(value) } }
    mutating func member(_ key: String, _ value: Double) { self.key(key) { $0.double(value) } }
    mutating func member(_ key: String, _ value: Bool) { self.key(key) { $0.bool(value) } }
    mutating func member<T: BinaryInteger>(_ key: String, orNull value: T?) {
        self.key(key) { if let value { $0.int(value) } else { $0.null() } }
    }
    mutating func member(_ key: String, orNull value: Double?) {
        self.key(key) { if let value { $0.double(value) } else { $0.null() } }
    }
    mutating func member(_ key: String, orNull value: Bool?) {
        self.key(key) { if let value { $0.bool(value) } else { $0.null() } }
    }
    mutating func member(_ key: String, orNull value: String?) {
        self.key(key) { if let value { $0.string(value) } else { $0.null() } }
    }
    mutating func member(_ key: String, strings: [String]) {
        self.key(key) { json in json.array { for s in strings { $0.string(s) } } }
    }

    static func quote(_ value: String, into text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{0}"..."\u{1F}", "\u{7F}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
