import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// `NativeProcess.run(observing:_:)`: the body's subscriber exists before the command's first
/// instruction, the run is awaited after the body, and a body that throws ends the run.
@Suite("The scoped run")
struct ScopedRunTests {
    @Test("the body sees every event from started to profile, and gets the result with its value")
    func wholeRun() async throws {
        let outcome = try await NativeProcess(.name("sh"), arguments: ["-c", "exit 3"]).run(observing: .lifecycle()) {
            events in
            var kinds: [String] = []
            for await event in events { kinds.append(event.kind.name) }
            return kinds
        }
        #expect(outcome.value == ["started", "exited", "profile"])
        #expect(outcome.result.status == .exited(code: 3))
    }

    @Test("a body that returns at once still gets the run awaited: nothing outlives the scope")
    func earlyReturn() async throws {
        let outcome = try await NativeProcess(.name("sh"), arguments: ["-c", "sleep 0.2; exit 4"]).run { _ in 7 }
        #expect(outcome.value == 7)
        #expect(outcome.result.status == .exited(code: 4))
        #expect(ProcessCensus.zombieChildren().isEmpty)
    }

    struct Stop: Error {}

    @Test("a body that throws ends every process of the run, awaits it, and rethrows")
    func throwingBody() async throws {
        let started = Clock.monotonicNs()
        var pid: Int32 = 0
        await #expect(throws: Stop.self) {
            _ = try await NativeProcess(.name("sleep"), arguments: ["30"]).run { events in
                pid = events.recv()?.processID ?? 0
                throw Stop()
            }
        }
        #expect(pid > 0)
        #expect(ProcessCensus.waitGone(pid, seconds: 0))
        #expect(Clock.monotonicNs() - started < 10_000_000_000, "ended by SIGTERM, not by sleep's 30 s")
    }

    @Test("a command that cannot start throws before the body runs")
    func cannotStart() async {
        var ran = false
        await #expect(throws: ObserverError.self) {
            _ = try await NativeProcess(.name("obs-no-such-command")).run { _ in ran = true }
        }
        #expect(!ran)
    }

    @Test("withObserver while the last spawn still runs ends at once, observing nothing; the next spawn's is served")
    func lateSubscriber() throws {
        let process = NativeProcess(.name("sleep"), arguments: ["0.3"])
        let running = try process.spawn()
        let late = process.withObserver(.lifecycle(.file))
        #expect(late.isFinished)
        #expect(late.recv() == nil, "no wait for a spawn that may never come")
        #expect(late.observedCategories == [])
        #expect(running.wait().status == .exited(code: 0))
        // Once that run is over, a subscriber attaches to the next spawn as usual.
        let next = process.withObserver(.lifecycle())
        #expect(try process.spawn().wait().status == .exited(code: 0))
        #expect(next.collect().map(\.kind.name) == ["started", "exited", "profile"])
    }
}
