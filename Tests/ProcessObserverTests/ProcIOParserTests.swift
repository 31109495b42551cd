import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

@Suite("/proc/<pid>/io parser")
struct ProcIOParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var rchar, wchar, syscr, syscw, readBytes, writeBytes, cancelled: UInt64
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "an idle reader",
            text:
                "rchar: 6976\nwchar: 0\nsyscr: 10\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n",
            rchar: 6976, wchar: 0, syscr: 10, syscw: 0, readBytes: 0, writeBytes: 0, cancelled: 0),
        Case(
            label: "dd writing 50 MiB with fsync",
            text:
                "rchar: 52431290\nwchar: 52428800\nsyscr: 58\nsyscw: 50\nread_bytes: 4096\nwrite_bytes: 52428800\ncancelled_write_bytes: 0\n",
            rchar: 52_431_290, wchar: 52_428_800, syscr: 58, syscw: 50, readBytes: 4096, writeBytes: 52_428_800,
            cancelled: 0),
        Case(
            label: "counters near 2^64, keys in another order",
            text:
                "write_bytes: 18446744073709551615\nrchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\ncancelled_write_bytes: 8192\n",
            rchar: 1, wchar: 2, syscr: 3, syscw: 4, readBytes: 5, writeBytes: .max, cancelled: 8192),
    ]

    @Test("parses the seven counters", arguments: cases)
    func parses(_ c: Case) throws {
        let io = try #require(ProcIO(parsing: Array(c.text.utf8)))
        #expect(io.readChars == c.rchar)
        #expect(io.writtenChars == c.wchar)
        #expect(io.readSyscalls == c.syscr)
        #expect(io.writeSyscalls == c.syscw)
        #expect(io.readBytes == c.readBytes)
        #expect(io.writeBytes == c.writeBytes)
        #expect(io.cancelledWriteBytes == c.cancelled)
    }

    static let malformed: [String] = [
        "",
        "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n",
        "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: -6\ncancelled_write_bytes: 0\n",
        "rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 18446744073709551616\ncancelled_write_bytes: 0\n",
    ]

    @Test("rejects a file with a counter missing or out of range", arguments: malformed)
    func rejects(_ text: String) {
        #expect(ProcIO(parsing: Array(text.utf8)) == nil)
    }

    @Test("reads the live /proc/self/io: rchar grows by at least what we read in between")
    func liveSelf() throws {
        let before = try #require(ProcFS.io(getpid()))
        let bytes = try #require(ProcFS.readFile("/proc/self/stat"))
        let after = try #require(ProcFS.io(getpid()))
        // rchar is process-wide and tests run in parallel, so other threads may add to it too.
        #expect(after.readChars >= before.readChars + UInt64(bytes.count))
        #expect(after.readSyscalls > before.readSyscalls)
    }
}
