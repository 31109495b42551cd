import Foundation
import Testing

@testable import ProcessObserver

/// A process that uses the library and exits normally without calling
/// `ObserverCleanup.waitForReleases()` leaves no cgroup behind: the library's `atexit` handler
/// removes its spares and its owner directory, and its watchdog exits with it. `obsbench
/// spawn-worker` is such a process.
@Suite("cgroups at a library user's exit", .serialized)
struct CgroupExitCleanupTests {
    @Test("obsbench spawn-worker runs 30 contained spawns and exits; no obs.<its pid>.* directory is left")
    func nothingLeft() throws {
        let obsbench = URL(fileURLWithPath: ObsctlRunner.binary).deletingLastPathComponent()
            .appendingPathComponent("obsbench").path
        try #require(
            FileManager.default.isExecutableFile(atPath: obsbench), "no obsbench next to \(ObsctlRunner.binary)")
        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: obsbench)
        worker.arguments = ["spawn-worker", "--variant", "native", "--spawns", "30", "--program", "/bin/true"]
        worker.standardOutput = Pipe()
        let watchdogsBefore = ObserverDeathTests.watchdogs()
        try worker.run()
        let pid = worker.processIdentifier
        worker.waitUntilExit()
        #expect(worker.terminationStatus == 0)
        let mountInfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        let line = try #require(mountInfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") })
        let mount = String(line.split(separator: " ")[4])
        let cgroups = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let own = try #require(cgroups.split(separator: "\n").first { $0.hasPrefix("0::") }).dropFirst(3)
        let parent = own == "/" ? mount : mount + own
        let left = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix("obs.\(pid).") }
        #expect(left == [])
        // Its watchdog woke at the exit, found nothing to do, and exited (bounded: 1 s).
        var watchdogs = ObserverDeathTests.watchdogs().subtracting(watchdogsBefore)
        for _ in 0..<100 where !watchdogs.isEmpty {
            usleep(10_000)
            watchdogs = ObserverDeathTests.watchdogs().subtracting(watchdogsBefore)
        }
        #expect(watchdogs == [])
    }
}
