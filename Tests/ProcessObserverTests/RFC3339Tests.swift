import Testing

@testable import ProcessObserver

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    /// Instants and their UTC text, worked out independently (`date -u -d @SECONDS`): the epoch,
    /// before it, a leap day, a century that is not a leap year, and nanosecond edges.
    static let instants: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000000000Z"),
        (1, "1970-01-01T00:00:00.000000001Z"),
        (999_999_999, "1970-01-01T00:00:00.999999999Z"),
        (1_000_000_000, "1970-01-01T00:00:01.000000000Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
        (-1_000_000_001, "1969-12-31T23:59:58.999999999Z"),
        (-86_400_000_000_000, "1969-12-31T00:00:00.000000000Z"),
        (951_782_400_000_000_000, "2000-02-29T00:00:00.000000000Z"),
        (1_700_000_000_123_456_789, "2023-11-14T22:13:20.123456789Z"),
        (1_709_294_096_000_000_500, "2024-03-01T11:54:56.000000500Z"),
        (1_767_225_599_999_999_999, "2025-12-31T23:59:59.999999999Z"),
        (1_767_225_600_000_000_001, "2026-01-01T00:00:00.000000001Z"),
        (4_102_444_800_000_000_000, "2100-01-01T00:00:00.000000000Z"),
    ]

    @Test("format writes the exact UTC text with nine fraction digits", arguments: instants)
    func format(ns: Int64, text: String) {
        #expect(RFC3339.format(epochNanoseconds: ns) == text)
    }

    @Test("parse reads the exact text back to the same nanoseconds", arguments: instants)
    func parse(ns: Int64, text: String) {
        #expect(RFC3339.parse(text) == ns)
    }

    @Test(
        "parse accepts fewer fraction digits and none, and an offset (a time a person types), and refuses the rest",
        arguments: [
            ("2023-11-14T22:13:20Z", Int64?.some(1_700_000_000_000_000_000)),
            ("2023-11-14T22:13:20.5Z", 1_700_000_000_500_000_000),
            ("2023-11-14T22:13:20.123456789", nil),  // no zone
            ("2023-11-14T22:13:20.123+01:00", 1_699_996_400_123_000_000),  // an offset: the local time less it
            ("2023-11-14T16:43:20-05:30", 1_700_000_000_000_000_000),
            ("2023-11-14T22:13:20+1:00", nil),  // an offset is ±HH:MM
            ("2023-13-14T22:13:20Z", nil),  // month 13
            ("2023-11-14 22:13:20Z", nil),  // no T
            ("2023-11-14T22:13:20.1234567891Z", nil),  // ten fraction digits
            ("2023-11-14T22:13:20.Z", nil),
            ("", nil),
        ])
    func parseEdges(text: String, ns: Int64?) {
        #expect(RFC3339.parse(text) == ns)
    }

    @Test("appendQuoted writes the same exact text, quoted, in any order of calls", arguments: instants)
    func quoted(ns: Int64, text: String) {
        let written = JSONBuilder.string { json in RFC3339.appendQuoted(epochNanoseconds: ns, to: &json) }
        #expect(written == "\"\(text)\"")
    }

    @Test("the per-second cache: the same second with other fractions, then the next second, then back")
    func cachedSeconds() {
        let calls: [(Int64, String)] = [
            (1_700_000_000_000_000_000, "2023-11-14T22:13:20.000000000Z"),
            (1_700_000_000_999_999_999, "2023-11-14T22:13:20.999999999Z"),
            (1_700_000_001_000_000_000, "2023-11-14T22:13:21.000000000Z"),
            (1_700_000_000_000_000_007, "2023-11-14T22:13:20.000000007Z"),
            (-1, "1969-12-31T23:59:59.999999999Z"),
            (-1_000_000_000, "1969-12-31T23:59:59.000000000Z"),
            (0, "1970-01-01T00:00:00.000000000Z"),
        ]
        let written = JSONBuilder.string { json in
            for (ns, _) in calls { RFC3339.appendQuoted(epochNanoseconds: ns, to: &json) }
        }
        #expect(written == calls.map { "\"\($0.1)\"" }.joined())
    }

    @Test(
        "integers are written exactly, extremes included",
        arguments: [
            (Int64.min, "-9223372036854775808"), (-42, "-42"), (0, "0"), (7, "7"), (1_000_000, "1000000"),
            (Int64.max, "9223372036854775807"),
        ] as [(Int64, String)])
    func integers(value: Int64, text: String) {
        #expect(JSONBuilder.string { $0.int(value) } == text)
    }
}
