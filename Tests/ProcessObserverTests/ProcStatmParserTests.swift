import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

@Suite("/proc/<pid>/statm parser")
struct ProcStatmParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var size, resident, shared, textPages, data: UInt64
        var testDescription: String { text.debugDescription }
    }

    static let cases: [Case] = [
        Case(text: "765 410 382 5 0 123 0\n", size: 765, resident: 410, shared: 382, textPages: 5, data: 123),
        Case(text: "2004 1297 1178 405 0 173 0\n", size: 2004, resident: 1297, shared: 1178, textPages: 405, data: 173),
        Case(text: "0 0 0 0 0 0 0\n", size: 0, resident: 0, shared: 0, textPages: 0, data: 0),
        Case(
            text: "4503599627370495 1 2 3 0 4 0", size: 4_503_599_627_370_495, resident: 1, shared: 2, textPages: 3,
            data: 4),
    ]

    @Test("parses the page counts", arguments: cases)
    func parses(_ c: Case) throws {
        let statm = try #require(ProcStatm(parsing: Array(c.text.utf8)))
        #expect(statm.sizePages == c.size)
        #expect(statm.residentPages == c.resident)
        #expect(statm.sharedPages == c.shared)
        #expect(statm.textPages == c.textPages)
        #expect(statm.dataPages == c.data)
    }

    @Test("rejects anything but seven decimals", arguments: ["", "1 2 3 4 5 6", "1 2 3 4 5 6 7 8", "1 2 3 4 5 -6 7"])
    func rejects(_ text: String) {
        #expect(ProcStatm(parsing: Array(text.utf8)) == nil)
    }

    @Test("reads the live /proc/self/statm: resident pages as in stat, at most the size")
    func liveSelf() throws {
        let statm = try #require(ProcFS.statm(getpid()))
        #expect(statm.residentPages > 0)
        #expect(statm.residentPages <= statm.sizePages)
        #expect(statm.sharedPages <= statm.residentPages)
    }
}
