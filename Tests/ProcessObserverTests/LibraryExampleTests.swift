import Testing

@testable import ProcessObserver

/// The README's library example is the one `Examples/LibraryUser` compiles (`.ci/run` builds that
/// package: at top level in `ReadmeTopLevel`, inside an `async` function in
/// `ReadmeInAsyncFunction`), so the two cannot drift apart.
@Suite("The README's library example")
struct LibraryExampleTests {
    /// The checkout, three levels above this file.
    static let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")

    @Test("is the top-level example of Examples/LibraryUser, and the async function's body, line for line")
    func sameCode() throws {
        let readme = try #require(ProcFS.readText("/" + Self.root + "/README.md"))
        let section = try #require(readme.range(of: "## The library\n\n```swift\n"))
        let rest = readme[section.upperBound...]
        let end = try #require(rest.range(of: "```"))
        let code = String(rest[..<end.lowerBound])
        let examples = "/" + Self.root + "/Examples/LibraryUser/Sources/"
        #expect(ProcFS.readText(examples + "ReadmeTopLevel/main.swift") == code)
        let inFunction = try #require(ProcFS.readText(examples + "ReadmeInAsyncFunction/main.swift"))
        let body = code.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("import ") }
            .map { $0.isEmpty ? "" : "    " + $0 }
        for line in body where !line.isEmpty { #expect(inFunction.contains(line + "\n"), "\(line)") }
        // The README's scoped run is the one ScopedRun runs.
        let scoped = try #require(rest.components(separatedBy: "```swift\n").dropFirst().first)
        let runSource = try #require(ProcFS.readText(examples + "ScopedRun/main.swift"))
        #expect(runSource.hasSuffix(scoped.components(separatedBy: "```").first ?? "-"))
    }

    @Test("every Swift example of Docs/LIBRARY.md is compiled in Examples/LibraryUser")
    func guideExamples() throws {
        let guide = try #require(ProcFS.readText("/" + Self.root + "/Docs/LIBRARY.md"))
        let sources = ["ScopedRun", "GuideExamples"].compactMap {
            ProcFS.readText("/" + Self.root + "/Examples/LibraryUser/Sources/\($0)/main.swift")
        }.joined(separator: "\n")
        let blocks = guide.components(separatedBy: "```swift\n").dropFirst().map {
            $0.components(separatedBy: "```").first ?? ""
        }
        #expect(blocks.count == 4)
        for block in blocks {
            for line in block.split(separator: "\n") where !line.isEmpty {
                #expect(sources.contains(line + "\n"), "\(line)")
            }
        }
    }
}
