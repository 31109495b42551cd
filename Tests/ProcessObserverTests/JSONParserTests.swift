import Testing

@testable import ProcessObserver

/// The recording reader's JSON parser, table-driven: what it accepts and the exact values, what
/// it refuses and where.
@Suite("JSON parser")
struct JSONParserTests {
    static let valid: [(String, JSONValue)] = [
        ("0", .integer(0)),
        ("-0", .integer(0)),
        ("42", .integer(42)),
        ("-9223372036854775808", .integer(Int64.min)),
        ("9223372036854775807", .integer(Int64.max)),
        ("9223372036854775808", .unsigned(9_223_372_036_854_775_808)),
        ("18446744073709551615", .unsigned(UInt64.max)),
        ("18446744073709551616", .double(18_446_744_073_709_551_616)),
        ("0.5", .double(0.5)),
        ("-1.25e2", .double(-125)),
        ("1E-3", .double(0.001)),
        ("3.0", .double(3)),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("null", .null),
        (#""""#, .string("")),
        (#""a\"b\\c\/d""#, .string("a\"b\\c/d")),
        (#""\n\r\t\b\f""#, .string("\n\r\t\u{8}\u{C}")),
        (#""\u0000x\u00e9\u2713""#, .string("\u{0}xé✓")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""\ud83d""#, .string("\u{FFFD}")),  // a lone surrogate, lossily
        (#""ünïcode ✓""#, .string("ünïcode ✓")),
        ("[]", .array([])),
        (" [1, \"x\" ,null ] ", .array([.integer(1), .string("x"), .null])),
        ("{}", .object([])),
        (
            #"{"b":1,"a":{"c":[true]},"b":2}"#,
            .object([("b", .integer(1)), ("a", .object([("c", .array([.bool(true)]))])), ("b", .integer(2))])
        ),
    ]

    @Test("valid JSON parses to the exact value, integers never through Double", arguments: valid)
    func parses(text: String, value: JSONValue) throws {
        #expect(try JSONParser.parse(text) == value)
    }

    static let invalid: [(String, Int, String)] = [
        ("", 0, "the text ends where a value should be"),
        ("{", 1, "expected a member name in quotes"),
        (#"{"a":1,}"#, 7, "expected a member name in quotes"),
        (#"{"a" 1}"#, 5, "expected ':' after a member name"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' in an object"),
        ("[1,]", 3, "unexpected character ']'"),
        ("[1 2]", 3, "expected ',' or ']' in an array"),
        ("01", 0, "a number cannot have a leading zero"),
        ("-", 1, "a number needs a digit"),
        ("1.", 2, "a number needs a digit"),
        ("tru", 0, "the text ends inside true"),
        ("nul1", 3, "unexpected character '1'"),
        ("\"abc", 4, "the text ends inside a string"),
        ("\"a\tb\"", 2, "a control character must be escaped in a string"),
        (#""\x""#, 3, "unknown escape \\'x'"),
        (#""\u12zz""#, 5, "\\u needs four hex digits"),
        (#""\u12""#, 3, "the text ends inside a \\u escape"),
        ("{} {}", 3, "unexpected text after the value"),
        ("\u{1}", 0, "unexpected character 0x1"),
        (String(repeating: "[", count: 65), 64, "nested deeper than 64 levels"),
    ]

    @Test("invalid JSON is refused with the reason and the byte offset", arguments: invalid)
    func refuses(text: String, offset: Int, message: String) {
        #expect(throws: JSONParser.SyntaxError(offset: offset, message: message)) { try JSONParser.parse(text) }
    }

    @Test("a string that is not UTF-8 is damage, not text")
    func invalidUTF8() {
        #expect(throws: JSONParser.SyntaxError(offset: 1, message: "a string is not valid UTF-8")) {
            try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22])
        }
    }

    @Test("what JSONBuilder writes parses back: hostile bytes, every control character, numbers at their limits")
    func builderRoundTrip() throws {
        let hostile = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self) + "\"\\é😀"
        let text = JSONBuilder.string { json in
            json.beginObject()
            json.member("s", hostile)
            json.member("max", UInt64.max)
            json.member("min", Int64.min)
            json.member("d", 0.1 + 0.2)
            json.member("nan", Double.nan)
            json.key("a")
            json.beginArray()
            json.endArray()
            json.endObject()
        }
        let value = try JSONParser.parse(text)
        #expect(
            value
                == .object([
                    ("s", .string(hostile)), ("max", .unsigned(UInt64.max)), ("min", .integer(Int64.min)),
                    ("d", .double(0.1 + 0.2)), ("nan", .null), ("a", .array([])),
                ]))
    }

    @Test("a text longer than the builder's stack start moves to the heap whole, escapes and all")
    func builderGrows() throws {
        // Past 1 KiB at the first string, again at the second (an escaped one), and many small writes.
        let long = String(repeating: "0123456789", count: 150)
        let escaped = String(repeating: "a\"\n\u{1}", count: 700)
        let text = JSONBuilder.string { json in
            json.beginObject()
            json.member("long", long)
            json.member("escaped", escaped)
            json.key("n")
            json.beginArray()
            for n in 0..<500 { json.int(n) }
            json.endArray()
            json.endObject()
        }
        #expect(text.utf8.count > 3 * JSONBuilder.stackBytes)
        let value = try JSONParser.parse(text)
        #expect(
            value
                == .object([
                    ("long", .string(long)), ("escaped", .string(escaped)),
                    ("n", .array((0..<500).map { .integer(Int64($0)) })),
                ]))
    }
}
