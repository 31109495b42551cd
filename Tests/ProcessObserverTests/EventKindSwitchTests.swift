import Foundation
import Testing

/// No renderer or consumer of events has a `default:` arm in a switch over an event kind: a kind
/// it forgets is a compile error, and one it really ignores is named in an explicit line
/// (`case .sample, .profile: return  // why`). Otherwise a new kind would be dropped silently.
@Suite("Event kind switches")
struct EventKindSwitchTests {
    /// The folders whose switches over event kinds must be exhaustive without `default:`.
    static let folders = [
        "Sources/obsctl", "Sources/ObserverReporting", "Sources/HTMLReport", "Sources/PerfettoExport",
        "Sources/OTLPExport", "Sources/ProcessObserver/Output", "Sources/ProcessObserver/Model",
    ]

    /// The lines of `text` holding a `default:` arm of a switch whose subject is an event kind
    /// (`switch kind`, `switch event.kind`, `switch e.kind`). Comments and string literals are
    /// removed first; a `default:` of a switch nested inside an arm is that switch's, not this one's.
    static func defaultArms(in text: String) -> [Int] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            PlatformSeamTests.code(of: String($0))
        }
        let code = lines.joined(separator: "\n")
        let characters = Array(code)
        var found: [Int] = []
        let pattern = /switch\s+([A-Za-z_][A-Za-z0-9_.]*)\s*\{/
        for match in code.matches(of: pattern) {
            let subject = String(match.output.1)
            guard subject == "kind" || subject.hasSuffix(".kind") else { continue }
            var index = code.distance(from: code.startIndex, to: match.range.upperBound)
            var depth = 1
            while index < characters.count, depth > 0 {
                let c = characters[index]
                if c == "{" { depth += 1 }
                if c == "}" { depth -= 1 }
                if depth == 1, c == "d", String(characters[index..<min(characters.count, index + 8)]) == "default:",
                    startsStatement(characters, index)
                {
                    found.append(characters[0..<index].filter { $0 == "\n" }.count + 1)
                }
                index += 1
            }
        }
        return found
    }

    /// Whether `index` starts a line's code (only spaces before it): an arm, not the `default:`
    /// label of a dictionary subscript (`counts[key, default: 0]`).
    private static func startsStatement(_ characters: [Character], _ index: Int) -> Bool {
        var i = index - 1
        while i >= 0, characters[i] == " " || characters[i] == "\t" { i -= 1 }
        return i < 0 || characters[i] == "\n"
    }

    @Test("no switch over an event kind in a renderer or consumer has a default: arm")
    func noDefaultArms() throws {
        let files = Self.folders.flatMap { PlatformSeamTests.swiftFiles(under: $0) }.filter {
            !$0.contains("/Generated/")
        }
        try #require(files.count > 40, "the source tree was found at \(PlatformSeamTests.root.path)")
        var offenders: [String] = []
        var switches = 0
        for file in files {
            let text = try String(contentsOf: PlatformSeamTests.root.appendingPathComponent(file), encoding: .utf8)
            switches += text.matches(of: /switch\s+(event\.|e\.)?kind\s*\{/).count
            offenders += Self.defaultArms(in: text).map { "\(file):\($0)" }
        }
        #expect(switches >= 7, "the switches over event kinds were found")
        #expect(offenders == [])
    }

    @Test(
        "a default: arm is found in a switch over a kind, not in other switches, nested ones, comments or strings",
        arguments: [
            ("switch event.kind {\ncase .open: f()\ndefault: return\n}", [3]),
            ("switch kind {\ncase .open: f()\n    default:\n        break\n}", [3]),
            ("switch e.kind {\ncase .open(let o):\n    switch o.flags {\n    default: g()\n    }\n}", []),
            ("switch status {\ncase .exited: f()\ndefault: return\n}", []),
            ("switch kind {\ncase .open: f()  // default: would drop kinds\n}", []),
            ("switch kind {\ncase .open: log(\"default: x\")\n}", []),
            ("switch kind {\ncase .open: f()\n}\nswitch other {\ndefault: g()\n}", []),
            ("switch event.kind {\ncase .connect: peers[peer, default: 0] += 1\n}", []),
        ])
    func detection(source: String, expected: [Int]) {
        #expect(Self.defaultArms(in: source) == expected)
    }
}
