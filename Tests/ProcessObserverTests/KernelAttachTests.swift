import ObserverTestSupport
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

extension KernelSuite {
    @Suite("Kernel: attaching to a running process")
    struct Attach {
        @Test(
            "attach to a running shell: its children's events arrive and the exit code comes from the kernel",
            .requiresEBPF)
        func attachRunning() throws {
            let dir = makeTemporaryDirectory("attach")
            defer { removeTree(dir) }
            let go = "\(dir)/go"
            let target = NativeProcess(
                .path("/bin/sh"),
                arguments: ["-c", "while [ ! -e \(go) ]; do :; done; cat /etc/hostname > /dev/null; exit 5"])
            let running = try target.spawn()
            let attached = AttachedProcess(processID: running.processID)
            let events = attached.withObserver(ObserverConfig(categories: [.file, .process]))
            let run = try attached.attach()
            close(open(go, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644))
            let result = run.wait()
            #expect(result.status == .exited(code: 5))
            #expect(running.wait().status == .exited(code: 5))
            let all = events.collect()
            #expect(all.first?.kind.name == "started")
            #expect(all.suffix(2).map(\.kind.name) == ["exited", "profile"])
            let cat = try #require(all.first { $0.execPayload != nil && $0.command == "cat" })
            #expect(cat.parentProcessID == running.processID)
            #expect(all.contains { $0.openPayload?.path.value == "/etc/hostname" && $0.processID == cat.processID })
            #expect(result.leftoverTrackedProcesses == [])
        }

        @Test("attaching to a process that is gone throws processNotFound", .requiresEBPF)
        func gone() throws {
            let finished = try NativeProcess(.path("/bin/true")).run()
            #expect(throws: ObserverError.self) {
                _ = try AttachedProcess(processID: finished.processID).attach()
            }
            let target = AttachedProcess(processID: finished.processID)
            let events = target.withObserver(.lifecycle())
            do {
                _ = try target.attach()
            } catch {
                #expect(error.code == .processNotFound)
            }
            // The subscriber's stream is ended, empty: a reader is not left waiting.
            #expect(events.collect().isEmpty)
            #expect(events.isFinished)
        }
    }
}
