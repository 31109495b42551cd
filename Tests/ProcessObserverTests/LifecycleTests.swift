import Testing

@testable import ProcessObserver

@Suite("Lifecycle events")
struct LifecycleTests {
    @Test("exit 3 gives exit code 3, in the order started, exited, profile")
    func exitCode() throws {
        let process = NativeProcess(.name("sh"), arguments: ["-c", "exit 3"])
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .exited(code: 3))
        let all = events.collect()
        #expect(all.map(\.kind.name) == ["started", "exited", "profile"])
        #expect(all.map(\.seq) == [1, 2, 3])
        guard case .exited(let end) = all[1].kind else { Issue.record("no exit"); return }
        #expect(end == ProcessEnd(.exited(code: 3), killedByOOM: false))
        guard case .profile(let profile) = all[2].kind else { Issue.record("no profile"); return }
        #expect(profile.exitCode == 3)
        #expect(profile.signal == nil)
    }

    @Test("a process that kills itself with SIGKILL gives -9 and the signal")
    func killedBySignal() throws {
        let process = NativeProcess(.name("sh"), arguments: ["-c", "kill -9 $$"])
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .signaled(signal: 9, coreDumped: false))
        #expect(result.status.code == -9)
        let all = events.collect()
        #expect(all.map(\.kind.name) == ["started", "exited", "profile"])
        guard case .profile(let profile) = all.last?.kind else { Issue.record("no profile"); return }
        #expect(profile.exitCode == nil)
        #expect(profile.signal == 9)
    }
}
