import Foundation
import OTLPExport
import ObserverTestSupport
import ProcessObserver
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl export --format otlp` and `watch --otlp` against a real OTLP/HTTP receiver that
/// decodes with the official Python bindings (PyPI opentelemetry-proto), with faults injected:
/// a collector that is down, slow, answers 503 with Retry-After, or refuses with 400.
@Suite("OTLP export, end to end", .serialized)
struct OTLPEndToEndTests {
    /// A receiver process on a free port of 127.0.0.1, and what it decoded.
    final class Receiver {
        let process: RunningProcess
        let port: Int
        let outFile: String
        private let portFile: String

        init(mode: String) throws {
            portFile = ReportFixture.temporary("otlp-port.txt")
            outFile = ReportFixture.temporary("otlp-received.json")
            process = try NativeProcess(
                .name("python3"),
                arguments: [
                    ByteString(ReportFixture.directory.appendingPathComponent("otlp_receiver.py").path),
                    ByteString(portFile), ByteString(outFile), ByteString(mode),
                ], standardOutput: .null, containment: .processGroup
            ).spawn()
            var port: Int?
            for _ in 0..<100 where port == nil {
                port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
                if port == nil { usleep(50_000) }
            }
            self.port = try #require(port, "the OTLP receiver did not start")
        }

        var url: String { "http://127.0.0.1:\(port)" }

        func received() throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: outFile))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        func stop() {
            process.interrupt(SIGKILL)
            _ = process.wait()
            try? FileManager.default.removeItem(atPath: portFile)
            try? FileManager.default.removeItem(atPath: outFile)
        }
    }

    /// The fixture's events (the header excluded), as Foundation parses them.
    static func fixtureEvents() throws -> [[String: Any]] {
        Array(try ReportFixture.objects(ReportFixture.makeRecording).dropFirst())
    }

    /// The spans the fixture maps to: one per process (the root and every fork) and the run's.
    static func expectedSpans() throws -> Int {
        try fixtureEvents().filter { $0["kind"] as? String == "fork" }.count + 2
    }

    static func spans(_ r: [String: Any]) -> [[String: Any]] { r["spans"] as? [[String: Any]] ?? [] }
    static func logs(_ r: [String: Any]) -> [[String: Any]] { r["logs"] as? [[String: Any]] ?? [] }

    @Test(
        "a recording uploaded: a span per process under its parent's, the run's root span, a log per event on its process's span, process metrics"
    )
    func recording() throws {
        let receiver = try Receiver(mode: "ok")
        defer { receiver.stop() }
        let run = try ObsctlRunner.run(["export", "--format", "otlp", ReportFixture.makeRecording, receiver.url])
        #expect(run.exitCode == 0, "\(run.err)")
        let events = try Self.fixtureEvents()
        let received = try receiver.received()
        let spans = Self.spans(received)
        let forks = events.filter { $0["kind"] as? String == "fork" }
        // One span per process (the root and every fork), and the run's own.
        #expect(spans.count == forks.count + 2)
        let traceIDs = Set(spans.map { $0["trace_id"] as! String })
        #expect(traceIDs.count == 1)
        let byID = Dictionary(uniqueKeysWithValues: spans.map { ($0["span_id"] as! String, $0) })
        let runSpan = try #require(spans.first { ($0["parent_span_id"] as? String ?? "").isEmpty })
        #expect(runSpan["name"] as? String == "run make")
        func pid(_ span: [String: Any]) -> Int? { (span["attributes"] as? [String: Any])?["process.pid"] as? Int }
        let ppid = Dictionary(uniqueKeysWithValues: forks.map { ($0["child_pid"] as! Int, $0["parent_pid"] as! Int) })
        for span in spans where span["span_id"] as? String != runSpan["span_id"] as? String {
            let parent = try #require(byID[span["parent_span_id"] as! String])
            if let child = pid(span), let expected = ppid[child] {
                #expect(pid(parent) == expected, "span of \(child)")
            } else {
                #expect(parent["span_id"] as? String == runSpan["span_id"] as? String)  // the root process
            }
            #expect((span["end"] as! Int) >= (span["start"] as! Int))
        }
        // cat missing.txt exited 1: its span is an error (status code 2), the rest ok (1).
        let cat = try #require(spans.first { $0["name"] as? String == "cat" })
        #expect(cat["status"] as? Int == 2)
        #expect((cat["attributes"] as? [String: Any])?["process.exit.code"] as? Int == 1)
        // Every event but samples and the profile is one log record, on its process's span.
        let logs = Self.logs(received)
        let logged = events.filter { !["sample", "profile"].contains($0["kind"] as? String ?? "") }
        #expect(logs.count == logged.count)
        #expect(Set(logs.map { $0["trace_id"] as! String }) == traceIDs)
        let spanOfPID = Dictionary(
            spans.compactMap { s in pid(s).map { ($0, s["span_id"] as! String) } }, uniquingKeysWith: { a, _ in a })
        for log in logs where log["event_name"] as? String == "file.open" {
            let attributes = try #require(log["attributes"] as? [String: Any])
            #expect(attributes["file.path"] is String)
            if let p = attributes["process.pid"] as? Int, let s = spanOfPID[p],
                spans.filter({ pid($0) == p }).count == 1
            {
                #expect(log["span_id"] as? String == s)
            }
        }
        let openLogs: Int = logs.filter { $0["event_name"] as? String == "file.open" }.count
        let openEvents: Int = events.filter { $0["kind"] as? String == "open" }.count
        #expect(openLogs == openEvents)
        // Metrics: per process and for the tree, one point per process per sample.
        let samples = events.filter { $0["kind"] as? String == "sample" }
        let metrics = try #require(received["metrics"] as? [[String: Any]])
        func named(_ name: String) -> [[String: Any]] { metrics.filter { $0["name"] as? String == name } }
        let cpuPoints: Int = named("process.cpu.utilization").map { $0["points"] as! Int }.reduce(0, +)
        let sampled: Int = samples.map { ($0["processes"] as! [Any]).count }.reduce(0, +)
        #expect(cpuPoints == sampled)
        let memoryUnits = Set(named("process.memory.usage").map { $0["unit"] as? String ?? "" })
        #expect(memoryUnits == ["By"])
        let treeMetrics: Int = named("obs.tree.cpu.utilization").count
        #expect(treeMetrics == samples.count)
        let resource = try #require(received["resource"] as? [String: Any])
        #expect(resource["service.name"] as? String == "obsctl")
        let header = try #require(try ReportFixture.objects(ReportFixture.makeRecording).first)
        #expect(resource["host.name"] as? String == header["host"] as? String)
        #expect(resource["os.version"] as? String == header["kernel_release"] as? String)
        let encodings = Set(received["encodings"] as? [String] ?? [])
        #expect(encodings == ["gzip"])
        let expected =
            "otlp: exported \(spans.count) of \(spans.count) spans, \(logs.count) of \(logs.count) log records"
        #expect(run.err.contains(expected))
    }

    @Test(
        "byte counts uploaded: a log record per close and dns, process.network.io and obs.process.file.io per close, process.disk.io at the exit"
    )
    func ioRecording() throws {
        let receiver = try Receiver(mode: "ok")
        defer { receiver.stop() }
        let recording = IOReportEndToEndTests.recording
        let run = try ObsctlRunner.run(["export", "--format", "otlp", recording, receiver.url])
        #expect(run.exitCode == 0, "\(run.err)")
        let events = Array(try ReportFixture.objects(recording).dropFirst())
        let received = try receiver.received()
        let logs = Self.logs(received)
        func named(_ name: String) -> [[String: Any]] { logs.filter { $0["event_name"] as? String == name } }
        let closes = events.filter { $0["kind"] as? String == "close" }
        #expect(named("file.close").count == closes.filter { $0["category"] as? String == "file" }.count)
        #expect(named("network.close").count == closes.filter { $0["category"] as? String == "network" }.count)
        #expect(named("network.dns").count == events.filter { $0["kind"] as? String == "dns" }.count)
        let nx = try #require(
            named("network.dns").first {
                ($0["attributes"] as? [String: Any])?["dns.question.name"] as? String == "nosuch.example"
            })
        #expect((nx["attributes"] as? [String: Any])?["error.type"] as? String == "NXDOMAIN")
        #expect(nx["severity"] as? Int == 13)  // WARN: the name did not resolve
        let tcp = try #require(
            named("network.close").first { ($0["attributes"] as? [String: Any])?["obs.protocol"] as? String == "tcp" })
        let tcpAttributes = try #require(tcp["attributes"] as? [String: Any])
        #expect(tcpAttributes["obs.peer_name"] as? String == "example.com")
        #expect(tcpAttributes["network.peer.address"] as? String == "93.184.216.34")
        #expect(tcpAttributes["obs.io.bytes_received"] as? Int == 4301)
        let connect = try #require(
            named("network.connect").first { ($0["attributes"] as? [String: Any])?["obs.peer_name"] != nil })
        #expect((connect["attributes"] as? [String: Any])?["obs.peer_name"] as? String == "example.com")

        // Metrics: cumulative monotonic sums in bytes, the last point of each series the sum of
        // the closes (or the exit's figure), per process and direction.
        let metrics = try #require(received["metrics"] as? [[String: Any]])
        func last(_ name: String, pid: Int, _ key: String, _ direction: String) -> Int? {
            var value: Int?
            for m in metrics where m["name"] as? String == name {
                #expect(m["unit"] as? String == "By" && m["monotonic"] as? Bool == true)
                let points = zip(m["values"] as? [Int] ?? [], m["point_attributes"] as? [[String: Any]] ?? [])
                for (v, a) in points where a["process.pid"] as? Int == pid && a[key] as? String == direction {
                    value = v
                }
            }
            return value
        }
        func sum(_ pid: Int, _ category: String, _ member: String) -> Int {
            closes.filter { $0["pid"] as? Int == pid && $0["category"] as? String == category }.reduce(0) {
                $0 + ($1[member] as? Int ?? 0)
            }
        }
        #expect(
            last("process.network.io", pid: 901, "network.io.direction", "receive")
                == sum(901, "network", "bytes_received"))
        #expect(
            last("process.network.io", pid: 901, "network.io.direction", "transmit")
                == sum(901, "network", "bytes_sent"))
        for pid in [901, 903] {
            #expect(
                last("obs.process.file.io", pid: pid, "disk.io.direction", "read") == sum(pid, "file", "bytes_read"))
            #expect(
                last("obs.process.file.io", pid: pid, "disk.io.direction", "write") == sum(pid, "file", "bytes_written")
            )
        }
        #expect(last("process.disk.io", pid: 903, "disk.io.direction", "write") == 67_108_864)
        #expect(last("process.disk.io", pid: 901, "disk.io.direction", "read") == 0)
        #expect(last("process.network.io", pid: 903, "network.io.direction", "receive") == nil)
    }

    @Test(
        "a -c recording: per process and syscall, the calls as a Sum split by error.type and the kernel's latency buckets as a Histogram"
    )
    func syscallMetrics() throws {
        let receiver = try Receiver(mode: "ok")
        defer { receiver.stop() }
        let recording = ReportFixture.syscallsRecording
        let run = try ObsctlRunner.run(["export", "--format", "otlp", recording, receiver.url])
        #expect(run.exitCode == 0, "\(run.err)")
        let metrics = try #require(try receiver.received()["metrics"] as? [[String: Any]])
        let calls = metrics.filter { $0["name"] as? String == "obs.process.syscall.calls" }
        let durations = metrics.filter { $0["name"] as? String == "obs.process.syscall.duration" }
        let summaries = Array(try ReportFixture.objects(recording).dropFirst()).filter {
            $0["kind"] as? String == "syscalls"
        }
        try #require(summaries.count == 3)
        #expect(calls.count == summaries.count)
        #expect(durations.count == summaries.count)
        for m in calls {
            #expect(m["kind"] as? String == "sum" && m["unit"] as? String == "{call}")
            #expect(m["monotonic"] as? Bool == true && m["temporality"] as? Int == 2)  // cumulative
        }
        for m in durations { #expect(m["kind"] as? String == "histogram" && m["unit"] as? String == "s") }

        // The points of every (process, syscall), against the summary's entry.
        typealias Point = (attributes: [String: Any], value: Int)
        let callPoints: [Point] = calls.flatMap { m in
            zip(m["point_attributes"] as! [[String: Any]], m["values"] as! [Int]).map { ($0, $1) }
        }
        let histograms: [(attributes: [String: Any], histogram: [String: Any])] = durations.flatMap { m in
            Array(zip(m["point_attributes"] as! [[String: Any]], m["histograms"] as! [[String: Any]]))
        }
        let bounds = (1..<40).map { Double(UInt64(1) << UInt64($0)) / 1e9 }
        var entries = 0
        for summary in summaries {
            let pid = try #require(summary["pid"] as? Int)
            for entry in try #require(summary["syscalls"] as? [[String: Any]]) {
                entries += 1
                let name = try #require(entry["name"] as? String)
                func mine(_ a: [String: Any]) -> Bool {
                    a["process.pid"] as? Int == pid && a["obs.syscall.name"] as? String == name
                }
                let points = callPoints.filter { mine($0.attributes) }
                let errnos = entry["errnos"] as? [String: Int] ?? [:]
                let byType = Dictionary(
                    uniqueKeysWithValues: points.map { ($0.attributes["error.type"] as? String ?? "", $0.value) })
                var expected = errnos
                let succeeded = (entry["calls"] as! Int) - (entry["errors"] as! Int)
                if succeeded > 0 { expected[""] = succeeded }
                #expect(byType == expected, "\(pid) \(name)")
                let h = try #require(histograms.first { mine($0.attributes) }?.histogram, "\(pid) \(name)")
                #expect(h["count"] as? Int == entry["calls"] as? Int)
                #expect(abs((h["sum"] as! Double) - Double(entry["total_ns"] as! Int) / 1e9) < 1e-12)
                #expect(h["min"] as? Double == Double(entry["min_ns"] as! Int) / 1e9)
                #expect(h["max"] as? Double == Double(entry["max_ns"] as! Int) / 1e9)
                let kernel = entry["histogram"] as! [Int]
                #expect(h["bucket_counts"] as? [Int] == kernel + Array(repeating: 0, count: 40 - kernel.count))
                #expect(h["explicit_bounds"] as? [Double] == bounds)
            }
        }
        #expect(
            callPoints.filter { $0.attributes["error.type"] as? String == "ENOENT" }.map(\.value).reduce(0, +) == 60)
        #expect(histograms.count == entries)
        let programs = Set(histograms.compactMap { $0.attributes["process.executable.name"] as? String })
        // Named as the processes' spans are: the executable's own file (sh is dash here).
        let spanNames = Set(Self.spans(try receiver.received()).map { $0["name"] as! String })
        #expect(programs.isSubset(of: spanNames))
        #expect(programs.count == 3)
        // The summary line counts the histogram points with the rest.
        let points = metrics.map { $0["points"] as! Int }.reduce(0, +)
        #expect(run.err.contains(", \(points) of \(points) metric points"), "\(run.err)")
    }

    @Test(
        "watch --otlp -c: the live run's summaries reach the collector as the same metrics, one per process",
        .requiresEBPF)
    func watchSyscallMetrics() throws {
        let receiver = try Receiver(mode: "ok")
        defer { receiver.stop() }
        let recording = ReportFixture.temporary("otlp-c.jsonl")
        defer { try? FileManager.default.removeItem(atPath: recording) }
        let run = try ObsctlRunner.run([
            "watch", "-c", "--otlp-endpoint", receiver.url, "--json", "-o", recording, "--interval", "0",
            "--no-summary", "--", "sh", "-c", "cat /nonexistent/otlp-c 2>/dev/null; exit 0",
        ])
        #expect(run.exitCode == 0, "\(run.err)")
        let summaries = Array(try ReportFixture.objects(recording).dropFirst()).filter { $0.kind == "syscalls" }
        #expect(summaries.count == 2)  // sh and cat
        let metrics = try #require(try receiver.received()["metrics"] as? [[String: Any]])
        let histograms = metrics.filter { $0["name"] as? String == "obs.process.syscall.duration" }
        #expect(histograms.count == summaries.count)
        let points = histograms.flatMap { $0["point_attributes"] as! [[String: Any]] }
        var expected: [String] = []
        for summary in summaries {
            for entry in summary["syscalls"] as! [[String: Any]] {
                expected.append("\(summary.pid!) \(entry["name"] as! String)")
            }
        }
        #expect(
            points.map { "\($0["process.pid"] as! Int) \($0["obs.syscall.name"] as! String)" }.sorted()
                == expected.sorted())
        let failed = metrics.filter { $0["name"] as? String == "obs.process.syscall.calls" }.flatMap {
            $0["point_attributes"] as! [[String: Any]]
        }.filter { $0["error.type"] as? String == "ENOENT" && $0["obs.syscall.name"] as? String == "openat" }
        #expect(!failed.isEmpty)
    }

    @Test("503 with Retry-After: each signal is retried once after the pause, nothing lost")
    func retryAfter() throws {
        let receiver = try Receiver(mode: "status-503-once")
        defer { receiver.stop() }
        let started = Date()
        let run = try ObsctlRunner.run(["export", "--format", "otlp", ReportFixture.makeRecording, receiver.url])
        #expect(run.exitCode == 0, "\(run.err)")
        #expect(Date().timeIntervalSince(started) >= 1.0)
        let received = try receiver.received()
        #expect(received["refused"] as? Int == 3)
        #expect(Self.spans(received).count == (try Self.expectedSpans()))
        #expect(run.err.contains("; 3 retries"))
    }

    @Test("400: every request is rejected, counted, not retried; exit 1 with what was lost")
    func rejected() throws {
        let receiver = try Receiver(mode: "status-400")
        defer { receiver.stop() }
        let run = try ObsctlRunner.run(["export", "--format", "otlp", ReportFixture.makeRecording, receiver.url])
        #expect(run.exitCode == 1)
        let received = try receiver.received()
        #expect(received["refused"] as? Int == 3)
        let n = try Self.expectedSpans()
        #expect(run.err.contains("otlp: exported 0 of \(n) spans (\(n) rejected)"))
        #expect(run.err.contains("HTTP 400"))
        #expect(!run.err.contains("retries"))
    }

    @Test(
        "a collector that is down: retried until the flush deadline, then dropped and counted; exit 1 within the deadline"
    )
    func collectorDown() throws {
        // A port nobody listens on: bind, read it, close.
        let receiver = try Receiver(mode: "ok")
        let url = receiver.url
        receiver.stop()
        let started = Date()
        let run = try ObsctlRunner.run(["export", "--format", "otlp", ReportFixture.makeRecording, url])
        let took = Date().timeIntervalSince(started)
        #expect(run.exitCode == 1)
        #expect(took < 12, "took \(took) s")
        let n = try Self.expectedSpans()
        #expect(run.err.contains("otlp: exported 0 of \(n) spans (\(n) dropped)"))
        #expect(run.err.contains("Couldn't connect to server") || run.err.contains("onnection refused"))
    }

    @Test(
        "watch --otlp with a slow collector: the command's own time is unaffected, the flush is bounded", .requiresEBPF)
    func watchSlowCollector() throws {
        let receiver = try Receiver(mode: "slow")
        defer { receiver.stop() }
        let bare = try ObsctlRunner.run(["watch", "--interval", "0", "--", "sh", "-c", "sleep 0.3; exit 4"])
        #expect(bare.exitCode == 4)
        let bareSeconds = try #require(
            bare.out.split(separator: "\n").first { $0.hasPrefix("obsctl: sh: exit code 4 after") }
                .flatMap { Double($0.split(separator: " ").last!.dropLast()) })
        let started = Date()
        let run = try ObsctlRunner.run([
            "watch", "--otlp-endpoint", receiver.url, "--interval", "0", "--", "sh", "-c", "sleep 0.3; exit 4",
        ])
        let took = Date().timeIntervalSince(started)
        #expect(run.exitCode == 4)  // the command's code, whatever the export did
        // The command itself ran as long as alone (its summary times it); obsctl then flushed.
        let commandSeconds = try #require(
            run.out.split(separator: "\n").first { $0.hasPrefix("obsctl: sh: exit code 4 after") }
                .flatMap { Double($0.split(separator: " ").last!.dropLast()) })
        #expect(
            commandSeconds < bareSeconds + 0.5,
            "the command took \(commandSeconds) s under a slow collector, \(bareSeconds) s without export")
        #expect(took < 12, "obsctl took \(took) s")
        #expect(run.err.contains("otlp: exported"))
    }

    @Test(
        "a flush deadline reached with a request on the wire counts it as dropped: every item is accounted for",
        .requiresEBPF)
    func deadlineWithRequestInFlight() throws {
        let receiver = try Receiver(mode: "slow")
        defer { receiver.stop() }
        var configuration = try OTLPConfiguration.make(url: receiver.url, environment: [:]).get()
        // The collector answers after 2 s: the first request is still on the wire at the deadline.
        configuration.flushDeadline = .milliseconds(500)
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "cat /etc/hostname > /dev/null; exit 3"], standardOutput: .null)
        let export = process.withOTLPExport(configuration)
        let result = try process.run()
        #expect(result.status == .exited(code: 3))
        let counts = export.finish()
        let sent = export.sent
        #expect(counts.deadlineHit)
        #expect(counts.exported.values.reduce(0, +) == 0, "nothing was confirmed before the deadline")
        for signal in ["traces", "logs", "metrics"] {
            let handed = sent[signal, default: 0]
            #expect(counts.dropped[signal, default: 0] == handed, "\(signal): \(counts.dropped) of \(sent)")
        }
        // The run, sh and cat.
        #expect(sent["traces", default: 0] == 3)
        #expect(OTLPRunExport.summary(sent: sent, counts: counts).contains("exported 0 of 3 spans (3 dropped), "))
    }

    @Test(
        "the library: NativeProcess.withOTLPExport exports a run like any subscriber, spans and logs exactly",
        .requiresEBPF)
    func library() throws {
        let receiver = try Receiver(mode: "ok")
        defer { receiver.stop() }
        let configuration = try OTLPConfiguration.make(url: receiver.url, environment: [:]).get()
        let process = NativeProcess(
            // Long enough for the first sample (taken at once) to find the tree alive.
            .name("sh"), arguments: ["-c", "cat /etc/hostname > /dev/null; sleep 0.3; exit 3"],
            standardOutput: .null)
        let export = process.withOTLPExport(configuration)
        let events = process.withObserver(ObserverConfig(categories: [.lifecycle, .file, .network, .process]))
        let result = try process.run()
        #expect(result.status == .exited(code: 3))
        let counts = export.finish()
        let seen = events.collect()
        let received = try receiver.received()
        // The run, sh, cat and sleep.
        #expect(Self.spans(received).count == 4)
        #expect(counts.exported["traces"] == 4)
        let logged = seen.filter { e in
            if case .sample = e.kind { return false }
            if case .profile = e.kind { return false }
            return true
        }
        #expect(Self.logs(received).count == logged.count)
        #expect(counts.exported["logs"] == logged.count)
        #expect(counts.droppedTotal == 0 && counts.rejectedTotal == 0)
        // The first sample is taken at once: its processes' disk counters, per direction.
        let metrics = try #require(received["metrics"] as? [[String: Any]])
        let disk = metrics.filter { $0["name"] as? String == "process.disk.io" }
        #expect(!disk.isEmpty && disk.allSatisfy { $0["unit"] as? String == "By" && ($0["points"] as? Int ?? 0) >= 2 })
        // The run's cgroup (default containment): per sample, its CPU time as a monotonic sum of a
        // user and a system point that never falls, up to the tree's CPU at the end, and its CPU
        // in cores, one gauge per sample.
        let tree = try #require(result.profile.tree)
        let cgroupCPU = metrics.filter { $0["name"] as? String == "obs.cgroup.cpu.time" }
        let utilization = metrics.filter { $0["name"] as? String == "obs.cgroup.cpu.utilization" }
        #expect(!cgroupCPU.isEmpty && utilization.count == cgroupCPU.count)
        #expect(
            cgroupCPU.allSatisfy {
                $0["unit"] as? String == "s" && $0["monotonic"] as? Bool == true && $0["points"] as? Int == 2
            })
        let seconds = cgroupCPU.map { (($0["values"] as? [Double]) ?? []).reduce(0, +) }
        #expect(zip(seconds, seconds.dropFirst()).allSatisfy { $0 <= $1 }, "\(seconds)")
        let treeSeconds = Double(tree.userCPUNanoseconds) / 1e9 + Double(tree.systemCPUNanoseconds) / 1e9
        #expect(seconds.allSatisfy { $0 > 0 && $0 <= treeSeconds }, "\(seconds), tree \(treeSeconds)")
        #expect(utilization.allSatisfy { ($0["values"] as? [Double])?.count == 1 && $0["unit"] as? String == "1" })
        let run = try #require(Self.spans(received).first { ($0["parent_span_id"] as? String ?? "").isEmpty })
        #expect(run["status"] as? Int == 2)  // exit code 3: an error
        #expect((run["attributes"] as? [String: Any])?["process.exit.code"] as? Int == 3)
        // Each process span carries its exit's peak RSS figures, as the kernel gave them.
        var ends: [Int: ProcessEnd] = [:]
        for e in seen { if case .exit(let end) = e.kind { ends[Int(e.processID)] = end } }
        #expect(ends.count == 3)
        for span in Self.spans(received) where !(span["parent_span_id"] as? String ?? "").isEmpty {
            let attributes = try #require(span["attributes"] as? [String: Any])
            let end = try #require((attributes["process.pid"] as? Int).flatMap { ends[$0] })
            #expect(attributes["obs.process.peak_rss_bytes"] as? Int == end.peakRSSBytes.map(Int.init))
            #expect(attributes["obs.process.image_peak_rss_bytes"] as? Int == end.imagePeakRSSBytes.map(Int.init))
            #expect(attributes["obs.process.peak_rss_includes_pre_exec"] as? Bool == end.peakRSSIncludesPreExec)
            #expect(end.peakRSSBytes != nil)
        }
    }

    @Test(
        "watch --otlp with a refusing collector: the unsent items are a lost event of source exporter, in the profile and the summary",
        .requiresEBPF)
    func exporterLossInTheStream() throws {
        let receiver = try Receiver(mode: "status-400")
        defer { receiver.stop() }
        let run = try ObsctlRunner.run([
            "watch", "--json", "--otlp-endpoint", receiver.url, "--interval", "0", "--", "sh", "-c", "exit 0",
        ])
        #expect(run.exitCode == 0)
        #expect(try ObsctlRunner.schemaErrors(run.stdout) == "")
        let lines = run.out.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        }
        let lost = lines.filter { $0["kind"] as? String == "lost" && $0["source"] as? String == "exporter" }
        #expect(lost.count == 1)
        let unsent = try #require(lost.first?["count"] as? Int)
        // Everything was refused: every span, log record and metric point the export had.
        let line = try #require(run.err.split(separator: "\n").first { $0.contains("otlp: exported") })
        let refused = line.split(separator: "(").dropFirst().compactMap { Int($0.split(separator: " ")[0]) }
        #expect(unsent == refused.reduce(0, +))
        let profile = try #require(lines.last)
        #expect(profile["kind"] as? String == "profile")
        #expect(profile["lost_exporter"] as? Int == unsent)
        // The lost event comes just before the profile, and the sequence stays strictly increasing.
        #expect(lines[lines.count - 2]["kind"] as? String == "lost")
        let seqs = lines.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        #expect(run.err.contains("  lost       \(unsent) (subscriber 0, kernel 0, exporter \(unsent))"))
    }
}
