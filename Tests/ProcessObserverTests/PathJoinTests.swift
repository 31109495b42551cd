import Testing

@testable import ProcessObserver

/// The join rule of `Docs/EVENTS.md` ("Absolute paths"), case by case: what is normalised, and
/// what is kept because only the kernel's lookup could resolve it.
@Suite("Path join and normalisation")
struct PathJoinTests {
    static let joins: [(String, String, Bool, String)] = [
        ("/w", "f", false, "/w/f"),
        ("/w", "./f", false, "/w/f"),
        ("/w", "a//b/", false, "/w/a/b"),
        ("/w/src", "../include/x.h", false, "/w/include/x.h"),
        ("/w/src", "../../../../etc/passwd", false, "/etc/passwd"),
        ("/", "..", false, "/"),
        ("/", "f", false, "/f"),
        ("/w", "l/../f", false, "/w/l/../f"),
        ("/w", "a/./b/../../c", false, "/w/a/b/../../c"),
        ("/w", ".", false, "/w"),
        ("/w", "", false, "/w"),
        ("w/x", "../f", true, "w/x/../f"),
        ("w/x", "f", true, "w/x/f"),
    ]

    @Test("a base joined with a path as passed", arguments: joins)
    func join(base: String, path: String, truncated: Bool, expected: String) {
        #expect(
            PathJoin.join(base: ByteString(base), path: ByteString(path), baseTruncated: truncated).string
                == expected)
    }

    static let absolutes: [(String, String)] = [
        ("/etc/hosts", "/etc/hosts"),
        ("//etc///hosts", "/etc/hosts"),
        ("/./etc/./hosts", "/etc/hosts"),
        ("/../etc", "/etc"),
        ("/usr/lib/../bin", "/usr/lib/../bin"),
        ("/", "/"),
        ("/tmp/", "/tmp"),
    ]

    @Test("an absolute path as passed, normalised by the same rule", arguments: absolutes)
    func absolute(path: String, expected: String) {
        #expect(PathJoin.normalise(absolute: ByteString(path)).string == expected)
    }

    @Test("bytes that are not UTF-8 pass through untouched")
    func bytes() {
        let name: [UInt8] = [0x66, 0xff, 0xfe]
        #expect(PathJoin.join(base: "/w", path: ByteString(bytes: name)).bytes == Array("/w/".utf8) + name)
    }
}
