import Foundation
import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

extension KernelSuite {
    /// The syscall summary through the library (issue 19): who receives it, when, and that the
    /// spawn's own set-up before the command's exec is not counted.
    @Suite("Kernel: the syscall summary")
    struct SyscallSummaries {
        @Test(
            "every file and network event carries the call's time: a FIFO's open blocked until its writer came is that long",
            .requiresEBPF)
        func callDurations() throws {
            let dir = makeTemporaryDirectory("duration")
            defer { removeTree(dir) }
            // cat's open of the FIFO blocks until the writer opens it, 0.3 s later.
            let script = "mkfifo \(dir)/f; { sleep 0.3; echo x > \(dir)/f; } & cat \(dir)/f > /dev/null; wait"
            let (events, result) = try observe(.path("/bin/sh"), ["-c", script], categories: [.file, .process])
            #expect(result.status == .exited(code: 0))
            // The calls' events: byte counting's close events end a descriptor (their open_ns is
            // the descriptor's life), no call of their own.
            let files = events.filter {
                guard $0.category == .file else { return false }
                if case .close = $0.kind { return false }
                return true
            }
            #expect(!files.isEmpty)
            #expect(files.allSatisfy { $0.durationNs != nil })
            #expect(events.filter { $0.category != .file }.allSatisfy { $0.durationNs == nil })
            #expect(
                events.filter { if case .close = $0.kind { true } else { false } }.allSatisfy { $0.durationNs == nil })
            let fifoOpens = files.filter {
                $0.openPayload?.path.value == ByteString("\(dir)/f") && $0.command?.string == "cat"
            }
            #expect(fifoOpens.count == 1)
            #expect((fifoOpens.first?.durationNs ?? 0) >= 200_000_000)
            // Every other open of cat's (its libraries) is quick, and none is zero.
            let quick = files.filter {
                $0.command?.string == "cat" && $0.openPayload?.path.value != ByteString("\(dir)/f")
            }
            #expect(!quick.isEmpty)
            #expect(quick.allSatisfy { ($0.durationNs ?? 0) > 0 && ($0.durationNs ?? .max) < 200_000_000 })
        }

        @Test(
            "a subscriber that asks gets the root's summary before its exit, equal to strace -f -c's; one that does not gets none",
            .requiresEBPF)
        func summaryOfTheRoot() throws {
            let dir = makeTemporaryDirectory("summary")
            defer { removeTree(dir) }
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("ObsctlTests/Fixtures/syscall_workload.c")
            let leaf = try compileC(
                try String(contentsOf: source, encoding: .utf8), name: "workload", in: dir,
                flags: ["-static", "-pthread"])
            let process = NativeProcess(.path(FilePath(leaf)), arguments: ["leaf"], standardOutput: .null)
            let asking = process.withObserver(ObserverConfig.lifecycle().summarizingSyscalls())
            let notAsking = process.withObserver(ObserverConfig.lifecycle(.process))
            let result = try process.run()
            #expect(result.status == .exited(code: 0))
            let events = asking.collect()
            let summaries = events.compactMap { e -> (Int32, SyscallSummary)? in
                if case .syscalls(let s) = e.kind { (e.processID, s) } else { nil }
            }
            #expect(summaries.count == 1)
            let (pid, summary) = try #require(summaries.first)
            #expect(pid == result.processID)
            #expect(summary.dropped == 0)
            // Just before the root's exit event.
            let index = try #require(events.firstIndex { if case .syscalls = $0.kind { true } else { false } })
            guard case .exit = events[index + 1].kind else {
                Issue.record("the summary is not followed by the exit: \(events.map(\.kind.name))")
                return
            }
            #expect(notAsking.collect().allSatisfy { if case .syscalls = $0.kind { false } else { true } })

            // The leaf's calls are exactly strace's: nothing of the spawn's own set-up, the exec
            // included, exit_group left out.
            var counted: [String: UInt64] = [:]
            for count in summary.syscalls { counted[count.name] = count.calls }
            let table = dir + "/strace.txt"
            let strace = try NativeProcess(
                .name("strace"), arguments: ["-f", "-c", "-o", table, leaf, "leaf"], standardOutput: .null
            ).run()
            #expect(strace.status == .exited(code: 0))
            var expected: [String: UInt64] = [:]
            for line in try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 5, Double(fields[0]) != nil, let name = fields.last, name != "total" else {
                    continue
                }
                expected[String(name)] = UInt64(fields[3])
            }
            #expect(counted == expected)
            #expect(counted["execve"] == 1)
            #expect(counted["exit_group"] == nil)
        }
    }
}
