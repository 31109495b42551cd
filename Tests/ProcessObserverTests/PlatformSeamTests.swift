import Foundation
import Testing

/// The platform seam holds: code outside it imports no libc module, so every libc and system call
/// of the library is made in `Sources/ProcessObserver/Platform/` (and obsctl makes only the few of
/// its own output descriptors, in one file); and grepping for one of the library's libc calls
/// finds exactly one line, the seam's.
@Suite("Platform seam")
struct PlatformSeamTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Files allowed to import a libc module, relative to the package root.
    static let allowed: [String] = [
        "Sources/ProcessObserver/Platform/",
        "Sources/obsctl/OutputDescriptor+Linux.swift",
        // Signal-number constants only (SIGINT, SIGTERM, SIGKILL, SIGPIPE), no calls.
        "Sources/obsctl/SignalForwarder.swift",
    ]

    static func swiftFiles(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.map { folder + "/" + $0 }
    }

    @Test("no library or obsctl file outside the seam imports Glibc, Musl or Darwin")
    func noLibcOutsideTheSeam() throws {
        let files = Self.swiftFiles(under: "Sources/ProcessObserver") + Self.swiftFiles(under: "Sources/obsctl")
        try #require(files.count > 40, "the source tree was found at \(Self.root.path)")
        var offenders: [String] = []
        for file in files where !Self.allowed.contains(where: { file.hasPrefix($0) }) {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n")
            where ["import Glibc", "import Musl", "import Darwin"].contains(line.trimmingCharacters(in: .whitespaces)) {
                offenders.append("\(file): \(line)")
            }
        }
        #expect(offenders == [])
    }

    /// libc functions the library calls, each of which the seam calls on exactly one line.
    /// (`pthread_mutex_lock`/`unlock` are left out: `ConditionLock`, the one file that uses
    /// them, calls them on two lines each.)
    static let libcCalls = [
        "kill", "wait4", "access", "mount", "getenv", "usleep", "sysconf", "clock_gettime", "readlink", "opendir",
        "readdir", "closedir", "mkdir", "rmdir", "poll", "inet_ntop", "pthread_create", "pthread_join",
        "pthread_sigmask", "sigwait",
    ]

    /// The lines of `text` that call `name` directly (unqualified or as `Glibc.name`) with
    /// arguments. String literals and `//` comments are removed first; `Syscall.name(`, other
    /// member calls (`fd.close(`), declarations (`func kill(`, `case mkdir(`) and calls without
    /// arguments (`RunCgroup`'s own `kill()`) are not libc calls.
    static func callLines(of name: String, in text: String) -> [Int] {
        var lines: [Int] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = Self.code(of: String(raw))
            var searchStart = code.startIndex
            while let range = code.range(of: name + "(", range: searchStart..<code.endIndex) {
                searchStart = range.upperBound
                let before = code[code.startIndex..<range.lowerBound]
                let qualifiedByGlibc = before.hasSuffix("Glibc.")
                if let last = before.last, !qualifiedByGlibc,
                    last.isLetter || last.isNumber || last == "_" || last == "."
                {
                    continue
                }
                let head = before.dropLast(qualifiedByGlibc ? "Glibc.".count : 0)
                if head.hasSuffix("func ") || head.hasSuffix("case ") { continue }
                if code[range.upperBound...].first == ")" { continue }
                lines.append(index + 1)
                break
            }
        }
        return lines
    }

    /// `line` without its string literals and its `//` comment.
    static func code(of line: String) -> String {
        var out = ""
        var inString = false
        var escaped = false
        var previous: Character = " "
        for c in line {
            if inString {
                if escaped {
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inString = false
                }
            } else if c == "\"" {
                inString = true
            } else if c == "/" && previous == "/" {
                out.removeLast()
                break
            } else {
                out.append(c)
            }
            previous = c
        }
        return out
    }

    @Test("the library calls each of its libc functions on exactly one line, in Platform/")
    func eachLibcCallOnOneLine() throws {
        let files = Self.swiftFiles(under: "Sources/ProcessObserver")
        try #require(files.count > 40, "the source tree was found at \(Self.root.path)")
        let texts = try files.map {
            ($0, try String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8))
        }
        var found: [String: [String]] = [:]
        for name in Self.libcCalls {
            found[name] = texts.flatMap { file, text in Self.callLines(of: name, in: text).map { "\(file):\($0)" } }
        }
        for name in Self.libcCalls {
            let places = found[name] ?? []
            #expect(places.count == 1, "\(name)( is called on \(places.count) lines: \(places)")
            #expect(places.allSatisfy { $0.hasPrefix("Sources/ProcessObserver/Platform/") }, "\(name): \(places)")
        }
    }

    @Test(
        "a libc call is found unqualified or through Glibc., not in comments, strings, members or declarations",
        arguments: [
            ("if kill(pid, 0) != 0 { }", [1]),
            ("_ = try valueOrErrno { Glibc.kill(pid, signal) }", [1]),
            ("try Syscall.kill(pid, 0)", []),
            ("static func kill(_ pid: Int32, _ signal: Int32) throws(Errno) {", []),
            ("/// Backed by `kill(2)`.", []),
            ("let x = 1  // kill(pid, 0)", []),
            ("log(\"kill(pid, 0) failed\")", []),
            ("cgroup.kill(pid)", []),
            ("kill()", []),
            ("skill(3)", []),
        ])
    func callDetection(line: String, expected: [Int]) {
        #expect(Self.callLines(of: "kill", in: line) == expected)
    }
}
