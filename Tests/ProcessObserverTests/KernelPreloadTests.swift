import CObserverBPF
import ObserverTestSupport
import Testing

@testable import ProcessObserver

extension KernelSuite {
    @Suite("Kernel: loading the object ahead of a run")
    struct Preload {
        static let fileOnly = EBPFEventSource.options(
            categories: [.file], syscallAttach: .rawSyscalls, resolvePaths: true)

        @Test("a spawned run takes the object its start loaded ahead, and its events arrive", .requiresEBPF)
        func spawnTakesPreload() throws {
            let before = KernelPreload.taken
            let process = NativeProcess(.path("/bin/cat"), arguments: ["/etc/hostname"], standardOutput: .null)
            let events = process.withObserver(ObserverConfig(categories: [.file, .process]))
            let result = try process.run()
            #expect(result.status == .exited(code: 0))
            #expect(KernelPreload.taken == before + 1)
            let all = events.collect()
            #expect(all.filter { $0.openPayload?.path.value == "/etc/hostname" }.count == 1)
            #expect(all.filter { $0.execPayload != nil }.count == 1)
        }

        @Test("an object loaded ahead with other options is released, never taken", .requiresEBPF)
        func mismatchIsReleased() throws {
            let before = LoadedPrograms.ids()
            KernelPreload.start(Self.fileOnly)
            var other = Self.fileOnly
            other.resolvePaths = false
            #expect(KernelPreload.take(other) == nil)
            EBPFBackend.waitForReleases(untilFreed: true)
            #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: before) } == [])
        }

        @Test("an object loaded ahead that no run takes is released by waitForReleases", .requiresEBPF)
        func unusedIsDiscarded() throws {
            let before = LoadedPrograms.ids()
            KernelPreload.start(Self.fileOnly)
            ObserverCleanup.waitForReleases(untilFreed: true)
            #expect(KernelPreload.take(Self.fileOnly) == nil)
            #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: before) } == [])
        }

        @Test("a matching take returns the loaded object, with its programs loaded", .requiresEBPF)
        func matchingTake() throws {
            KernelPreload.start(Self.fileOnly)
            let object = try #require(KernelPreload.take(Self.fileOnly))
            #expect(!object.programIDs.isEmpty)
            BPFReleaser.release(object)
            EBPFBackend.waitForReleases(untilFreed: true)
        }
    }
}
