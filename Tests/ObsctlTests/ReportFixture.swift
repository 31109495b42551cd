import Foundation
import Testing

/// A recording in `Fixtures/` and helpers to look at recordings independently of the library:
/// Foundation's JSON parser and plain counting, so a report's figures are checked against the
/// events, not against the code that made them.
enum ReportFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// `obsctl watch --json -o make-j2.jsonl --interval 0.05 -- make -j2` of a Makefile with
    /// three `cc -c`, a busy shell loop and a `cat missing.txt || true`, recorded once on this
    /// project's machine kind: a real run whose report is deterministic, for the golden files.
    static let makeRecording = directory.appendingPathComponent("make-j2.jsonl").path

    /// `obsctl watch -c --json -o syscalls-sh.jsonl --interval 0 -- sh -c 'cat /etc/hostname
    /// /nonexistent/obsctl-fixture; ls /nonexistent/dir; exit 0'`, recorded once here: three
    /// processes with their syscall summaries, failed opens with paths, failed syscalls no kind
    /// streams (`newfstatat`, `statx`).
    static let syscallsRecording = directory.appendingPathComponent("syscalls-sh.jsonl").path

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The lines of a recording as objects (the header included).
    static func objects(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// A new temporary path that is removed by the caller: `name`'s stem, a unique part, then its
    /// extension (a browser goes by it).
    static func temporary(_ name: String) -> String {
        let dot = name.firstIndex(of: ".") ?? name.endIndex
        return FileManager.default.temporaryDirectory.appendingPathComponent(
            "obsctl-\(name[..<dot])-\(getpid())-\(UUID().uuidString)\(name[dot...])"
        ).path
    }

    /// The JSON report document as an object.
    static func document(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// A folded tree (`tree` of the JSON report) as `name×count(children…)`, for exact shapes.
    static func shape(_ groups: [[String: Any]]) -> String {
        groups.map { g in
            let name = g["name"] as? String ?? "?"
            let count = g["count"] as? Int ?? 0
            let children = shape(g["children"] as? [[String: Any]] ?? [])
            return "\(name)×\(count)" + (children.isEmpty ? "" : "(\(children))")
        }.joined(separator: " ")
    }

    /// Failed file operations per errno, counted from the events themselves.
    static func fileFailures(_ events: [[String: Any]]) -> [String: Int] {
        var out: [String: Int] = [:]
        for e in events where e["category"] as? String == "file" {
            if let errno = e["errno"] as? String { out[errno, default: 0] += 1 }
        }
        return out
    }
}
