import Foundation
import Testing

/// obsbench's ftrace contender (issue 23), run end to end through `obsbench ftrace-stream`: it
/// reads every event of the command's tree and nothing else, and leaves no tracefs instance.
@Suite("obsbench's ftrace stream", .serialized, .enabled(if: getuid() == 0, "tracefs instances need root"))
struct ObsbenchFtraceStreamTests {
    static let obsbench = URL(fileURLWithPath: ObsctlRunner.binary).deletingLastPathComponent()
        .appendingPathComponent("obsbench").path
    static let instances = "/sys/kernel/tracing/instances"

    /// `lines bytes lost exit` of one `obsbench ftrace-stream -- argv`.
    static func stream(_ argv: [String]) throws -> (lines: Int, lost: Int, exit: Int) {
        try #require(
            FileManager.default.isExecutableFile(atPath: obsbench), "no obsbench next to \(ObsctlRunner.binary)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: obsbench)
        process.arguments = ["ftrace-stream", "--"] + argv
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "obsbench ftrace-stream exited \(process.terminationStatus)")
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        try #require(fields.count == 4)
        return (fields[0], fields[2], fields[3])
    }

    static func ownInstances() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: instances)) ?? []).filter { $0.hasPrefix("obsbench-") }
    }

    @Test("a fork+exec of /bin/true is 9 lines: fork, exec, exit, execve's enter and exit, the loader's 2 openat pairs")
    func linesPerSpawn() throws {
        func loop(_ n: Int) -> [String] {
            ["/bin/sh", "-c", "i=0; while [ $i -lt \(n) ]; do /bin/true; i=$((i+1)); done"]
        }
        let ten = try Self.stream(loop(10))
        let thirty = try Self.stream(loop(30))
        #expect(thirty.lines - ten.lines == 20 * 9)
        #expect(ten.lost == 0 && thirty.lost == 0)
        #expect(ten.exit == 0 && thirty.exit == 0)
    }

    @Test("the instance is removed after a failing command, and a dead obsbench's instance at the start")
    func noInstanceLeft() throws {
        // A pid that is gone: a reaped child's.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let stale = "\(Self.instances)/obsbench-\(gone.processIdentifier)"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        let failed = try Self.stream(["/bin/sh", "-c", "exit 3"])
        #expect(failed.exit == 3)
        #expect(Self.ownInstances() == [])
    }
}
