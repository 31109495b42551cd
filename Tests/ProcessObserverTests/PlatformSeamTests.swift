import Foundation
import Testing

/// The platform seam holds: code outside it imports no libc module, so every libc and system call
/// of the library is made in `Sources/ProcessObserver/Platform/` (and obsctl makes only the few of
/// its own output descriptors, in one file).
@Suite("Platform seam")
struct PlatformSeamTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Files allowed to import a libc module, relative to the package root.
    static let allowed: [String] = [
        "Sources/ProcessObserver/Platform/",
        // The eBPF backend's libbpf calls take C types; its own libc calls move behind the seam next.
        "Sources/ProcessObserver/Kernel/",
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
}
