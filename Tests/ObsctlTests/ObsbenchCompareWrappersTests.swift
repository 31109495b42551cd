import Foundation
import ObserverTestSupport
import Testing

/// `obsbench compare --wrappers` and its `obsctl -c` rows (issue 19's bar: each workload within 3
/// points of its ratio without the summary), end to end on a tiny spawn-heavy workload.
@Suite("obsbench compare: the obsctl -c rows and --wrappers", .serialized)
struct ObsbenchCompareWrappersTests {
    static let obsbench = URL(fileURLWithPath: ObsctlRunner.binary).deletingLastPathComponent()
        .appendingPathComponent("obsbench").path

    /// obsbench's exit status and standard output and error.
    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try #require(
            FileManager.default.isExecutableFile(atPath: obsbench), "no obsbench next to \(ObsctlRunner.binary)")
        // Standard error goes to a file: only standard output is read while obsbench runs.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "obsbench-err-\(UUID().uuidString)"
        ).path
        try #require(FileManager.default.createFile(atPath: errPath, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: obsbench)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try #require(FileHandle(forWritingAtPath: errPath))
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = try String(contentsOfFile: errPath, encoding: .utf8)
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), err)
    }

    @Test("an unknown wrapper is a usage error (64) that lists the valid ones")
    func unknownWrapper() throws {
        let result = try Self.run(["compare", "--only", "workloads", "--wrappers", "obsctl,obsctl -x"])
        #expect(result.status == 64)
        #expect(result.err.contains("unknown wrapper 'obsctl -x'; valid: bare, obsctl, obsctl baseline,"))
        #expect(result.err.contains("obsctl -c, obsctl baseline -c, ftrace, strace"))
    }

    @Test(
        "--wrappers 'obsctl,obsctl -c' runs bare, obsctl and obsctl -c only, and the -c run's summary counts its syscalls events",
        .requiresEBPF)
    func summaryRows() throws {
        let result = try Self.run([
            "compare", "--only", "workloads", "--workloads", "spawn-heavy", "--wrappers", "obsctl,obsctl -c",
            "--rounds", "1", "--scale", "0.02", "--markdown", "-q",
        ])
        #expect(result.status == 0, "\(result.err)")
        let rows = result.out.split(separator: "\n").filter { $0.hasPrefix("| spawn-heavy |") }.map {
            $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        // The wall-time table: bare and the two obsctl rows; the events table: the two obsctl rows.
        let runUnder = rows.map { $0[1] }
        #expect(
            runUnder == [
                "bare", "obsctl, raw_tp (lifecycle,file,network,process)", "obsctl -c (the syscall summary), raw_tp",
                "obsctl, raw_tp (lifecycle,file,network,process)", "obsctl -c (the syscall summary), raw_tp",
            ])
        // spawnstorm 12 (600 × 0.02): 12 children and the storm itself; with -c one syscalls
        // event each besides their exec and exit, so 13 more process events.
        let process = rows.suffix(2).map { Int($0[4].replacingOccurrences(of: ",", with: "")) }
        let without = try #require(process.first ?? nil)
        let with = try #require(process.last ?? nil)
        #expect(with - without == 13)
        #expect(!result.out.contains("FAILED"))
    }
}
