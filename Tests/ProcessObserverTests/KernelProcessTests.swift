import ObserverTestSupport
import Testing

@testable import ProcessObserver

extension KernelSuite {
    @Suite("Kernel: process tree")
    struct ProcessTree {
        @Test(
            "sh -c 'cat F | wc -l' gives execs of sh, cat and wc with a consistent fork and ppid chain", .requiresEBPF)
        func pipeline() throws {
            let dir = makeTemporaryDirectory("pipe")
            defer { removeTree(dir) }
            let file = dir + "/lines"
            _ = try NativeProcess(.path("/bin/sh"), arguments: ["-c", "printf 'a\\nb\\nc\\n' > \(file)"]).run()
            let (events, result) = try observe(.path("/bin/sh"), ["-c", "cat \(file) | wc -l"], categories: [.process])
            #expect(result.status == .exited(code: 0))
            let root = result.processID
            let execs = events.filter { $0.execPayload != nil }
            let forks = events.filter { $0.forkPayload != nil }
            let exits = events.filter { if case .exit = $0.kind { true } else { false } }
            // The root's exec (at the gate) is /bin/sh; the two children exec cat and wc.
            #expect(execs.first?.processID == root)
            #expect(execs.first?.execPayload?.path.value == "/bin/sh")
            #expect(execs.first?.execPayload?.argv == ["/bin/sh", "-c", ByteString("cat \(file) | wc -l")])
            let byName = Dictionary(grouping: execs) { $0.command?.string ?? "" }
            #expect(byName.keys.sorted() == ["cat", "sh", "wc"])
            let cat = try #require(byName["cat"]?.first)
            let wc = try #require(byName["wc"]?.first)
            #expect(cat.execPayload?.argv == ["cat", ByteString(file)])
            #expect(wc.execPayload?.argv == ["wc", "-l"])
            #expect(cat.execPayload?.result == SyscallResult(0))
            // Each child was forked by the root shell, before its exec, and its ppid is the root.
            for child in [cat, wc] {
                #expect(child.parentProcessID == root)
                let fork = try #require(forks.first { $0.processID == child.processID })
                #expect(fork.forkPayload == Fork(childProcessID: child.processID, parentProcessID: root))
                #expect(fork.parentProcessID == root)
                #expect(fork.seq < child.seq)
            }
            #expect(forks.count == 2)
            // Every process of the tree exits once; the root with the code wait4 saw.
            #expect(Set(exits.map(\.processID)) == [root, cat.processID, wc.processID])
            #expect(exits.count == 3)
            if case .exit(let end) = exits.first(where: { $0.processID == root })?.kind {
                #expect(end.status == .exited(code: 0))
            }
            #expect(result.leftoverTrackedProcesses == [])
        }

        @Test("exit codes and signals from the kernel follow the lifecycle convention", .requiresEBPF)
        func exitStatus() throws {
            let (events, result) = try observe(
                .path("/bin/sh"), ["-c", "(exit 7); sh -c 'kill -9 $$'; exit 3"], categories: [.process])
            #expect(result.status == .exited(code: 3))
            let exits = events.compactMap { e -> ProcessObserver.ExitStatus? in
                if case .exit(let end) = e.kind { end.status } else { nil }
            }
            #expect(exits.contains(.signaled(signal: 9, coreDumped: false)))
            #expect(exits.last == .exited(code: 3))
        }

        @Test("a failed exec is reported with its errno and argv", .requiresEBPF)
        func failedExec() throws {
            let (events, _) = try observe(
                .path("/bin/sh"), ["-c", "exec /nonexistent/obs-missing one two"], categories: [.process])
            let failed = events.compactMap(\.execPayload).filter { !$0.result.succeeded }
            #expect(failed.count >= 1)
            let first = try #require(failed.first)
            #expect(first.path.value == "/nonexistent/obs-missing")
            #expect(first.argv == ["/nonexistent/obs-missing", "one", "two"])
            #expect(first.result == SyscallResult(-2))
            #expect(first.result.errnoName == "ENOENT")
        }

        @Test("a thread is not a new process: its opens carry the process id and its own thread id", .requiresEBPF)
        func threads() throws {
            let dir = makeTemporaryDirectory("thread")
            defer { removeTree(dir) }
            // The main thread opens `main`, a second thread opens `worker` and reports its tid.
            let script = """
                import os, threading
                def work():
                    open("\(dir)/worker", "w").close()
                    open("\(dir)/tid", "w").write(str(threading.get_native_id()))
                open("\(dir)/main", "w").close()
                t = threading.Thread(target=work); t.start(); t.join()
                """
            let (events, result) = try observe(
                .path("/usr/bin/python3"), ["-c", script], categories: [.process, .file])
            #expect(result.status == .exited(code: 0))
            let root = result.processID
            let workerTID = try #require(
                ProcessCensus.readSmallFile(dir + "/tid").flatMap { Int32($0) })
            #expect(workerTID != root)
            let main = try #require(events.first { $0.openPayload?.path.value == ByteString(dir + "/main") })
            let worker = try #require(events.first { $0.openPayload?.path.value == ByteString(dir + "/worker") })
            #expect(main.processID == root)
            #expect(main.threadID == root)
            #expect(worker.processID == root)
            #expect(worker.threadID == workerTID)
            // Starting the thread was a clone, not a new process: no fork event, no exit of it.
            #expect(events.filter { $0.forkPayload != nil }.isEmpty)
            #expect(events.filter { if case .exit = $0.kind { true } else { false } }.map(\.processID) == [root])
            #expect(result.leftoverTrackedProcesses.isEmpty)
        }
    }
}

/// Every eBPF suite nests here so they run one at a time (loaded-program counts stay meaningful).
@Suite("Kernel backend", .serialized)
struct KernelSuite {}
