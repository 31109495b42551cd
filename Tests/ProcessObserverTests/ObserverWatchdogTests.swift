import Glibc
import Testing

@testable import ProcessObserver

/// The watchdog of this very process, as it waits: where it is and what it holds. What it does
/// when its observer dies is tested end to end, by killing obsctl and obsbench (ObsctlTests'
/// `ObserverDeathTests`).
@Suite("Containment: the observer's watchdog")
struct ObserverWatchdogTests {
    @Test("one watchdog waits in a session of its own, in our cgroups, not our child, holding one descriptor")
    func waiting() throws {
        let owner = try CgroupOwner.shared.get()
        let pid = try #require(owner.watchdogProcessID)
        owner.startWatchdog()  // once per process: a second call starts none
        #expect(owner.watchdogProcessID == pid)
        let stat = try #require(ProcFS.stat(pid))
        #expect(String(decoding: stat.command, as: UTF8.self) == "obs-watchdog")
        #expect(stat.sessionID == pid)
        #expect(stat.parentProcessID != getpid())
        #expect(stat.state == UInt8(ascii: "S"))
        #expect(ProcFS.readText("/proc/\(pid)/cgroup") == ProcFS.readText("/proc/self/cgroup"))
        #expect((try? Syscall.directoryNames("/proc/\(pid)/fd", directoriesOnly: false))?.count == 1)
    }
}
