import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `path` through the start gate (`GatedSpawnLaunch`, the launch a run uses) under an
/// `EBPFEventSource` of our own, so the test sees the source's counters and program ids.
private func runUnderSource(
    _ path: String, _ arguments: [String], categories: Set<EventCategory>, ringBytes: UInt32, bufferCapacity: Int
) throws -> (
    stats: KernelSourceStats, programIDs: [UInt32], subscriber: ObserverSubscriber, status: ProcessObserver.ExitStatus
) {
    let probe = KernelProbe.cached
    let attach = try #require(probe.syscallAttach)
    let source = try EBPFEventSource(
        categories: categories, syscallAttach: attach, syscalls: probe.syscalls, ringBytes: ringBytes)
    let programIDs = source.programIDs
    let subscriber = ObserverSubscriber(config: ObserverConfig(categories: categories, bufferCapacity: bufferCapacity))
    let hub = EventHub(subscribers: [subscriber.buffer])
    let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
    defer { close(devNull) }
    let command = Spawner.Command(
        path: ByteString(path), argv: ([path] + arguments).map { ByteString($0) },
        environment: Environment.inherit.entries(), workingDirectory: nil, stdio: (-1, devNull, -1))
    let launched = try GatedSpawnLaunch(command: command, cgroup: nil, kernel: source).launch()
    let pid = launched.root.processID
    defer { try? launched.root.pidfd?.close() }
    source.start(hub: hub, rootProcessID: pid, onRootExit: nil)
    let (status, _) = Spawner.wait4Blocking(pid)
    let stats = source.stop()
    let exit = ProcessObserver.ExitStatus(waitStatus: status)
    hub.finish(
        profile: { lost in RunProfile(status: exit, wallNanoseconds: 1, lostSubscriber: lost, lostKernel: stats.lost) },
        processID: pid)
    return (stats, programIDs, subscriber, exit)
}

extension KernelSuite {
    @Suite("Kernel: delivery and clean-up")
    struct Delivery {
        static let flood = """
            #include <fcntl.h>
            #include <stdlib.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                long n = atol(argv[1]);
                for (long i = 0; i < n; i++) close(open(argv[2], O_RDONLY));
                return 0;
            }
            """

        @Test(
            "a flood of 1,000,000 opens with a subscriber that never reads: consumed + lost == emitted, losses split",
            .requiresEBPF)
        func floodAccounting() throws {
            let dir = makeTemporaryDirectory("flood")
            defer { removeTree(dir) }
            let exe = try compileC(Self.flood, name: "flood", in: dir)
            // The same binary with no loop: what the loader and exit emit on their own.
            let idle = try runUnderSource(
                exe, ["0", "/dev/null"], categories: [.file], ringBytes: 1 << 20, bufferCapacity: 1 << 16)
            #expect(idle.stats.lost == 0)
            #expect(idle.stats.delivered == idle.stats.emitted)

            // A one-page ring (about 25 records) cannot keep up with 1,000,000 opens: the consumer
            // takes batches per drain now, fast enough to keep a 64 KiB ring from overflowing.
            let n: UInt64 = 1_000_000
            let run = try runUnderSource(
                exe, ["\(n)", "/dev/null"], categories: [.file], ringBytes: 4 << 10, bufferCapacity: 1024)
            #expect(run.status == .exited(code: 0))
            #expect(run.stats.emitted == idle.stats.emitted + n)
            #expect(run.stats.delivered + run.stats.lost == run.stats.emitted)
            #expect(run.stats.lost > 0)

            let events = run.subscriber.collect()
            let profile = try #require(
                events.last.flatMap { e -> RunProfile? in if case .profile(let p) = e.kind { p } else { nil } })
            let kernelLost = events.reduce(UInt64(0)) { sum, e in
                if case .lost(let l) = e.kind, l.source == .kernel { sum + l.count } else { sum }
            }
            let subscriberLostMarkers = events.reduce(UInt64(0)) { sum, e in
                if case .lost(let l) = e.kind, l.source == .subscriber { sum + l.count } else { sum }
            }
            #expect(profile.lostKernel == run.stats.lost)
            #expect(profile.lostSubscriber == run.subscriber.lostCount)
            #expect(profile.lostSubscriber > 0)
            #expect(subscriberLostMarkers == profile.lostSubscriber)
            // Every published event was either received or counted as dropped by the subscriber;
            // the kernel's own losses reached it as `lost` events (or were dropped with the rest).
            let received =
                UInt64(events.filter { if case .lost(let l) = $0.kind { l.source == .kernel } else { true } }.count) - 1
            let published = events.last!.seq - 1
            #expect(received + profile.lostSubscriber == published)
            #expect(kernelLost <= run.stats.lost)
        }

        @Test(
            "every program a run loads is gone once its release completes, and the machine's count is back",
            .requiresEBPF)
        func programsReleased() throws {
            EBPFBackend.waitForReleases(untilFreed: true)
            let before = LoadedPrograms.ids()
            let run = try runUnderSource(
                "/bin/true", [], categories: [.file, .network, .process], ringBytes: 1 << 20, bufferCapacity: 64)
            #expect(run.programIDs.count == 5)
            EBPFBackend.waitForReleases(untilFreed: true)
            #expect(run.programIDs.filter(LoadedPrograms.exists) == [])
            #expect(run.stats.leftoverTracked == [])
            // Exact even while other processes on the machine load programs of their own.
            #expect(LoadedPrograms.lingering(since: before) == [])
        }
    }
}
