import Testing

@testable import ProcessObserver

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test(
        "the cached fast path writes exactly what the full formatter writes",
        arguments: [
            Int64(0), 1, 999_999_999, 1_000_000_000, 1_767_225_599_999_999_999, 1_767_225_600_000_000_001, -1,
            -1_000_000_001,
        ])
    func fastPathMatches(ns: Int64) {
        var json = JSONBuilder()
        RFC3339.appendQuoted(epochNanoseconds: ns, to: &json)
        #expect(String(decoding: json.bytes, as: UTF8.self) == "\"" + RFC3339.format(epochNanoseconds: ns) + "\"")
    }

    @Test("known instants")
    func known() {
        #expect(RFC3339.format(epochNanoseconds: 0) == "1970-01-01T00:00:00.000000000Z")
        #expect(RFC3339.format(epochNanoseconds: 1_767_225_599_999_999_999) == "2025-12-31T23:59:59.999999999Z")
        #expect(RFC3339.format(epochNanoseconds: -1) == "1969-12-31T23:59:59.999999999Z")
    }

    @Test("integers are written without a String per number", arguments: [Int64.min, -42, 0, 7, Int64.max])
    func integers(value: Int64) {
        var json = JSONBuilder()
        json.int(value)
        #expect(String(decoding: json.bytes, as: UTF8.self) == String(value))
    }
}
