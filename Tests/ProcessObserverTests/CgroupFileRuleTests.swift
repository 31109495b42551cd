import Foundation
import Testing

@testable import ProcessObserver

/// One reader per cgroup interface file: the library spells a file's name only in `CgroupFile`,
/// and reads one only through `CgroupFS` (which pairs each file with its parser), so that a
/// second, hand-rolled parser of the same file cannot creep back in.
@Suite("cgroup files: one name, one reader")
struct CgroupFileRuleTests {
    static let nameFile = "Sources/ProcessObserver/Containment/Files/CgroupFile.swift"
    static let readerFile = "Sources/ProcessObserver/Containment/Files/CgroupFS.swift"

    /// The string literals of `line` (their text between the quotes, escapes kept as written);
    /// none from a `//` comment.
    static func literals(in line: String) -> [String] {
        var out: [String] = []
        var current: String?
        var escaped = false
        var previous: Character = " "
        for c in line {
            if var text = current {
                if escaped {
                    escaped = false
                    text.append(c)
                } else if c == "\\" {
                    escaped = true
                    text.append(c)
                } else if c == "\"" {
                    out.append(text)
                    current = nil
                    previous = c
                    continue
                } else {
                    text.append(c)
                }
                current = text
            } else if c == "\"" {
                current = ""
            } else if c == "/" && previous == "/" {
                break
            }
            previous = c
        }
        return out
    }

    /// The cgroup file names that `line` spells as a path: a literal that is the name, or ends
    /// with `/` and the name.
    static func spelledNames(in line: String) -> [String] {
        literals(in: line).compactMap { literal in
            CgroupFile.allCases.map(\.rawValue).first { literal == $0 || literal.hasSuffix("/" + $0) }
        }
    }

    /// Whether `line` reads a file by path through `ProcFS` with a `CgroupFile` path.
    static func readsCgroupFile(_ line: String) -> Bool {
        let code = PlatformSeamTests.code(of: line)
        return code.contains("ProcFS.read") && code.contains("CgroupFile.")
    }

    @Test("no library file but CgroupFile spells a cgroup file's name as a path")
    func namesOnlyInCgroupFile() throws {
        let files = PlatformSeamTests.swiftFiles(under: "Sources/ProcessObserver")
        try #require(files.count > 40, "the source tree was found at \(PlatformSeamTests.root.path)")
        var offenders: [String] = []
        for file in files where file != Self.nameFile {
            let text = try String(contentsOf: PlatformSeamTests.root.appendingPathComponent(file), encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.hasPrefix("//") else { continue }
                for name in Self.spelledNames(in: String(line)) { offenders.append("\(file):\(index + 1): \(name)") }
            }
        }
        #expect(offenders == [])
    }

    @Test("no library file but CgroupFS reads a cgroup file")
    func readsOnlyInCgroupFS() throws {
        let files = PlatformSeamTests.swiftFiles(under: "Sources/ProcessObserver")
        try #require(files.count > 40, "the source tree was found at \(PlatformSeamTests.root.path)")
        var offenders: [String] = []
        for file in files where file != Self.readerFile {
            let text = try String(contentsOf: PlatformSeamTests.root.appendingPathComponent(file), encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where Self.readsCgroupFile(String(line)) {
                offenders.append("\(file):\(index + 1)")
            }
        }
        #expect(offenders == [])
    }

    @Test(
        "a cgroup file's name is found in a path literal, not in a sentence, a comment or another name",
        arguments: [
            ("let events = directory + \"/cgroup.events\"", ["cgroup.events"]),
            ("open(\"\\(v1)/memory.oom_control\")", ["memory.oom_control"]),
            ("write(path, \"cgroup.kill\")", ["cgroup.kill"]),
            ("call: \"write (cgroup.procs)\"", []),
            ("remedy = \"raise the cgroup's pids.max\"", []),
            ("let x = 1  // directory + \"/cpu.stat\"", []),
            ("let p = \"/memory.peak.extra\"", []),
            ("CgroupFile.events.path(in: directory)", []),
        ])
    func nameDetection(line: String, expected: [String]) {
        #expect(Self.spelledNames(in: line) == expected)
    }

    @Test(
        "a read of a cgroup file through ProcFS is found, not one through CgroupFS or a /proc read",
        arguments: [
            ("ProcFS.readFile(CgroupFile.stat.path(in: directory))", true),
            ("let t = ProcFS.readText(CgroupFile.procs.path(in: own)) ?? \"\"", true),
            ("CgroupFS.stat(in: directory)", false),
            ("ProcFS.readFile(\"/proc/self/cgroup\")", false),
            ("// ProcFS.readFile(CgroupFile.stat.path(in: d))", false),
        ])
    func readDetection(line: String, expected: Bool) {
        #expect(Self.readsCgroupFile(line) == expected)
    }
}
