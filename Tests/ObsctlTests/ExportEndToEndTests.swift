import Foundation
import ObserverTestSupport
import Testing

/// `obsctl export --format perfetto` through the real binary, decoded by Perfetto's own Python
/// protos (`perfetto_trace_pb2`, the PyPI `perfetto` package): tracks, slices, counters, flows
/// and parentage checked against the recording's events.
@Suite("obsctl export --format perfetto, end to end")
struct ExportEndToEndTests {
    static let summaryScript = ReportFixture.directory.appendingPathComponent("perfetto_summary.py").path

    /// The decoder's summary of the trace `obsctl export` writes for `recording`.
    private func export(_ recording: String) throws -> [String: Any] {
        let trace = ReportFixture.temporary("trace.perfetto-trace")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let run = try ObsctlRunner.run(["export", "--format", "perfetto", recording, "-o", trace])
        #expect(run.exitCode == 0)
        #expect(run.err == "")
        let decoded = try NativeProcessHelper.shell("python3 '\(Self.summaryScript)' '\(trace)'")
        try #require(decoded.status == 0, "the decoder refused the trace: \(decoded.out)\(decoded.err)")
        return try ReportFixture.document(decoded.out)
    }

    /// Checks the decoded trace against the recording's own events, counted here.
    private func check(_ summary: [String: Any], against recordingPath: String) throws {
        let events = Array(try ReportFixture.objects(recordingPath).dropFirst())
        let forks = events.filter { $0.kind == "fork" }
        let root = try #require(events.first { $0.kind == "started" }?.pid)
        let tracks = try #require(summary["tracks"] as? [[String: Any]])
        let processTracks = tracks.filter { $0["counter"] as? Bool == false }
        #expect(processTracks.count == forks.count + 1)
        #expect(summary["sequences"] as? [Int] == [1])

        // Parentage, two ways: the ProcessTree packet and the track nesting.
        let tree = try #require(summary["process_tree"] as? [[String: Any]])
        var ppidOf: [Int: Int] = [:]
        for p in tree { if let ppid = p["ppid"] as? Int { ppidOf[p["pid"] as! Int] = ppid } }
        #expect(ppidOf.count == forks.count)
        for fork in forks { #expect(ppidOf[fork["child_pid"] as! Int] == fork["parent_pid"] as? Int) }
        let byUUID = Dictionary(uniqueKeysWithValues: tracks.map { ($0["uuid"] as! Int, $0) })
        func pid(ofTrack track: [String: Any]) -> Int? {
            (track["name"] as? String)?.split(separator: " ").last.flatMap { Int($0) }
        }
        for track in processTracks {
            let child = try #require(pid(ofTrack: track))
            if child == root {
                #expect(track["parent"] is NSNull)
            } else {
                let parent = try #require(byUUID[track["parent"] as? Int ?? -1])
                #expect(pid(ofTrack: parent) == ppidOf[child])
            }
        }

        // A slice per program: the fork (or spawn) slice, then one per successful exec.
        let slices = try #require(summary["slices"] as? [String: [String]])
        for track in processTracks {
            let p = try #require(pid(ofTrack: track))
            let execs = events.filter { $0.kind == "exec" && $0.pid == p && $0["result"] as? Int == 0 }
            let names = try #require(slices[String(track["uuid"] as! Int)])
            #expect(names.count == 1 + execs.count, "pid \(p): \(names)")
            #expect(
                Array(names.dropFirst())
                    == execs.map { ($0["path"] as! String).split(separator: "/").last.map(String.init)! })
        }

        // Instants: every file and network event, every fork and failed exec; a flow per fork.
        let instants = try #require(summary["instants"] as? [String: Int])
        #expect(instants["file", default: 0] == events.filter { $0["category"] as? String == "file" }.count)
        #expect(instants["network", default: 0] == events.filter { $0["category"] as? String == "network" }.count)
        let failedExecs = events.filter { $0.kind == "exec" && ($0["result"] as? Int ?? 0) < 0 }.count
        #expect(instants["process", default: 0] == forks.count + failedExecs)
        #expect(summary["flows"] as? Int == forks.count)

        // Counters: the tree's totals are the samples' own, with their units.
        let samples = events.filter { $0.kind == "sample" }
        let counters = try #require(summary["counters"] as? [String: [Double]])
        if !samples.isEmpty {
            let cpu = try #require(tracks.first { $0["name"] as? String == "tree CPU %" })
            let rss = try #require(tracks.first { $0["name"] as? String == "tree RSS" })
            #expect(cpu["unit_name"] as? String == "%")
            #expect(rss["unit"] as? Int == 3)  // UNIT_SIZE_BYTES
            #expect(counters[String(cpu["uuid"] as! Int)] == samples.map { $0["total_cpu_pct"] as! Double })
            #expect(counters[String(rss["uuid"] as! Int)] == samples.map { Double($0["total_rss_bytes"] as! Int) })
        }
        // The run cgroup's own totals, when the samples carry them.
        let totals = samples.compactMap { $0["cgroup_totals"] as? [String: Any] }
        let cgroupCPU = tracks.first { $0["name"] as? String == "cgroup CPU %" }
        #expect((cgroupCPU != nil) == !totals.isEmpty)
        if let cgroupCPU {
            #expect(counters[String(cgroupCPU["uuid"] as! Int)] == totals.map { $0["cpu_pct"] as! Double })
        }
        let memory = totals.compactMap { $0["memory_bytes"] as? Int }.map(Double.init)
        let cgroupMemory = tracks.first { $0["name"] as? String == "cgroup memory" }
        #expect((cgroupMemory != nil) == !memory.isEmpty)
        if let cgroupMemory {
            #expect(cgroupMemory["unit"] as? Int == 3)
            #expect(counters[String(cgroupMemory["uuid"] as! Int)] == memory)
        }
    }

    @Test("the make -j2 recording: 13 process tracks nested as the tree, slices per exec, counters, flows")
    func makeRecording() throws {
        let summary = try export(ReportFixture.makeRecording)
        try check(summary, against: ReportFixture.makeRecording)
        let tracks = try #require(summary["tracks"] as? [[String: Any]])
        #expect(tracks.filter { $0["counter"] as? Bool == false }.count == 13)
    }

    @Test("the -c recording: each process's last slice carries its syscall calls, errors and time; no summary, none")
    func syscallAnnotations() throws {
        let recording = ReportFixture.syscallsRecording
        let summary = try export(recording)
        try check(summary, against: recording)
        let tracks = try #require(summary["tracks"] as? [[String: Any]]).filter { $0["counter"] as? Bool == false }
        let annotations = try #require(summary["slice_annotations"] as? [String: [[String: Any]]])
        let summaries = Array(try ReportFixture.objects(recording).dropFirst()).filter { $0.kind == "syscalls" }
        try #require(summaries.count == 3)
        for event in summaries {
            let pid = try #require(event.pid)
            let track = try #require(tracks.first { ($0["name"] as? String)?.hasSuffix(" \(pid)") == true })
            let last = try #require(annotations[String(track["uuid"] as! Int)]?.last)
            let entries = try #require(event["syscalls"] as? [[String: Any]])
            #expect(last["syscall_calls"] as? Int == entries.map { $0["calls"] as! Int }.reduce(0, +), "\(pid)")
            #expect(last["syscall_errors"] as? Int == entries.map { $0["errors"] as! Int }.reduce(0, +), "\(pid)")
            #expect(last["syscall_ns"] as? Int == entries.map { $0["total_ns"] as! Int }.reduce(0, +), "\(pid)")
            let first = try #require(entries.first?["name"] as? String)
            #expect((last["syscall_top"] as? String)?.hasPrefix(first + " ×") == true, "\(pid)")
            // Only the last slice: the earlier ones (the fork's) have none.
            let earlier = try #require(annotations[String(track["uuid"] as! Int)]?.dropLast())
            #expect(earlier.allSatisfy { $0["syscall_calls"] == nil })
        }
        let plain = try #require(
            try export(ReportFixture.makeRecording)["slice_annotations"] as? [String: [[String: Any]]])
        #expect(plain.values.joined().allSatisfy { $0["syscall_calls"] == nil })
    }

    @Test(
        "byte counts: a process's bytes read and written rise at each close by its bytes, then take its exit's totals")
    func ioCounters() throws {
        let recording = IOReportEndToEndTests.recording
        let summary = try export(recording)
        try check(summary, against: recording)
        let events = Array(try ReportFixture.objects(recording).dropFirst())
        let tracks = try #require(summary["tracks"] as? [[String: Any]])
        let counters = try #require(summary["counters"] as? [String: [Double]])
        for pid in [900, 901, 903] {
            // The expected values, from the events: a running sum per close, the exit's rchar/wchar.
            var read: [Double] = []
            var written: [Double] = []
            for e in events where e.pid == pid {
                if e.kind == "close" {
                    let network = e["category"] as? String == "network"
                    let r = e[network ? "bytes_received" : "bytes_read"] as! Int
                    let w = e[network ? "bytes_sent" : "bytes_written"] as! Int
                    read.append((read.last ?? 0) + Double(r))
                    written.append((written.last ?? 0) + Double(w))
                } else if e.kind == "exit", let io = e["io"] as? [String: Any] {
                    read.append(Double(io["rchar"] as! Int))
                    written.append(Double(io["wchar"] as! Int))
                }
            }
            let name = try #require(
                tracks.first {
                    $0["counter"] as? Bool == false && ($0["name"] as? String)?.hasSuffix(" \(pid)") == true
                }?[
                    "name"] as? String)
            let readTrack = try #require(tracks.first { $0["name"] as? String == name + " bytes read" })
            let writtenTrack = try #require(tracks.first { $0["name"] as? String == name + " bytes written" })
            #expect(readTrack["unit"] as? Int == 3)  // UNIT_SIZE_BYTES
            #expect(counters[String(readTrack["uuid"] as! Int)] == read, "pid \(pid)")
            #expect(counters[String(writtenTrack["uuid"] as! Int)] == written, "pid \(pid)")
        }
        #expect(tracks.filter { ($0["name"] as? String)?.hasSuffix(" bytes read") == true }.count == 3)
        // The make -j2 recording counted no bytes: no I/O counters.
        let make = try #require(try export(ReportFixture.makeRecording)["tracks"] as? [[String: Any]])
        #expect(!make.contains { ($0["name"] as? String)?.hasSuffix(" bytes read") == true })
    }

    @Test(
        "a run with network and file events recorded now: instants for each, on the acting process's track",
        .requiresEBPF)
    func networkRun() throws {
        let recording = ReportFixture.temporary("net.jsonl")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let script = """
            import socket
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
            c = socket.socket(); c.connect(s.getsockname()); a, _ = s.accept()
            refused = socket.socket(); port = s.getsockname()[1]; s.close()
            try: refused.connect(("127.0.0.1", port))
            except OSError: pass
            import time; time.sleep(0.3)
            """
        let watch = try ObsctlRunner.run([
            // A memory limit, so that the samples carry the cgroup's memory too (the v1 memory
            // cgroup on this hybrid host).
            "watch", "--json", "--interval", "0.05", "--memory-max", "512M", "-o", recording, "--", "python3", "-c",
            script,
        ])
        #expect(watch.exitCode == 0)
        let summary = try export(recording)
        try check(summary, against: recording)
        let instants = try #require(summary["instants"] as? [String: Int])
        #expect(instants["network", default: 0] >= 4)  // bind, listen, connect ×2, accept
        let names = try #require(summary["tracks"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(names.contains("cgroup CPU %") && names.contains("cgroup memory"), "\(names)")
    }

    @Test("bad input: standard input, a missing file, a missing or unknown format, no -o")
    func badInput() throws {
        let stdin = try ObsctlRunner.run(["export", "--format", "perfetto", "-", "-o", "/tmp/x.trace"])
        #expect(stdin.exitCode == 64)
        #expect(stdin.err.contains("export reads the recording twice, so it takes a file, not - (standard input)."))
        let missing = try ObsctlRunner.run([
            "export", "--format", "perfetto", "/nonexistent.jsonl", "-o", "/tmp/x.trace",
        ])
        #expect(missing.exitCode == 66)
        #expect(
            missing.err.hasPrefix("obsctl: Reading the recording /nonexistent.jsonl failed: the file does not exist"))
        #expect(try ObsctlRunner.run(["export", ReportFixture.makeRecording, "-o", "/tmp/x.trace"]).exitCode == 64)
        let unknown = try ObsctlRunner.run([
            "export", "--format", "chrome", ReportFixture.makeRecording, "-o", "/tmp/x",
        ])
        #expect(unknown.exitCode == 64)
        #expect(unknown.err.contains("'chrome'"))
        #expect(try ObsctlRunner.run(["export", "--format", "perfetto", ReportFixture.makeRecording]).exitCode == 64)
    }
}
