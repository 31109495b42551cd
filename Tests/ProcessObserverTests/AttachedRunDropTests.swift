import ObserverTestSupport
import Testing

@testable import ProcessObserver

/// Dropping the last reference to an `AttachedRun` without `stop()` ends the observation and
/// releases what it held, as dropping a `RunningProcess` ends its run; the process attached to
/// runs on, never signalled.
@Suite("Dropping an attached run")
struct AttachedRunDropTests {
    @Test("stops observing: the stream ends with profile, no program, thread or descriptor stays", .requiresEBPF)
    func dropStops() throws {
        let target = NativeProcess(.path("/bin/sleep"), arguments: ["30"])
        let running = try target.spawn()
        defer {
            running.terminate()
            _ = running.wait()
        }
        ObserverCleanup.waitForReleases(untilFreed: true)
        let programsBefore = LoadedPrograms.ids()
        let descriptorsBefore = ProcessCensus.openDescriptorCount()
        let attached = AttachedProcess(processID: running.processID)
        let events = attached.withObserver(.lifecycle(.file, .process))
        do {
            let run = try attached.attach()
            #expect(run.processID == running.processID)
        }
        // The handle is gone: the stream ends by itself, with the profile last.
        let all = events.collect()
        #expect(all.first?.kind.name == "started")
        #expect(all.last?.kind.name == "profile")
        #expect(events.isFinished)
        ObserverCleanup.waitForReleases(untilFreed: true)
        #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: programsBefore) }.isEmpty)
        #expect(ProcessCensus.openDescriptorCount() == descriptorsBefore)
        #expect(running.isRunning, "the process attached to is never signalled")
    }
}
