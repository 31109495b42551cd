import ProcessObserver
import SystemPackage

/// How long from asking for an observed run to being attached.
///
/// - Library: from the `spawn()` call to the `started` event's timestamp (both CLOCK_MONOTONIC).
///   `started` is published right after the start gate opens, i.e. after the kernel backend (if
///   any category needs it) is loaded, attached and tracking the child.
/// - obsctl: from `posix_spawn` of `obsctl watch --json` to the first byte on its stdout (the
///   `started` line): process start-up, capability negotiation, backend load, spawn and the write.
struct AttachLatency {
    let common: CommonOptions
    let resolved: ResolvedTools
    let kit: WorkloadKit

    func measure() throws -> ResultTable {
        let samples = max(10, common.rounds * 4)
        let allKernel: Set<EventCategory> = [.file, .network, .process]
        let configs: [(String, ObserverConfig)] = [
            ("library: spawn() → started, lifecycle only", .lifecycle()),
            ("library: spawn() → started, all categories", .lifecycle(allKernel)),
        ]
        var latency: [Int: [Double]] = [:]
        /// spawn() → first file/network/process event's kernel timestamp (all-categories config only).
        var firstKernel: [Double] = []
        common.progress("attach: \(samples) samples per variant")
        for round in 0..<samples {
            for i in 0..<configs.count {
                let index = (i + round) % configs.count
                let process = NativeProcess(.path("/bin/true"))
                let subscriber = process.withObserver(configs[index].1)
                let start = monotonicNs()
                let running = try process.spawn()
                var startedNs: UInt64?
                var kernelNs: UInt64?
                while let event = subscriber.recv() {
                    if case .started = event.kind { startedNs = event.timestampNs }
                    if event.category != .lifecycle, kernelNs == nil { kernelNs = event.timestampNs }
                }
                if let kernelNs { firstKernel.append(Double(kernelNs - start)) }
                _ = running.wait()
                if let startedNs { latency[index, default: []].append(Double(startedNs - start)) }
            }
        }
        var table = ResultTable(
            title: "Time from start to attached",
            columns: [("measure", .left), ("median", .right), ("min–max", .right), ("IQR", .right), ("target", .right)])
        for (index, config) in configs.enumerated() {
            guard let values = latency[index] else { continue }
            let s = Summary(values)
            table.add([
                config.0, Format.milliseconds(s.median), "\(Format.milliseconds(s.min))–\(Format.milliseconds(s.max))",
                "\(Format.milliseconds(s.q1))–\(Format.milliseconds(s.q3))", "≤ 100 ms",
            ])
        }
        if !firstKernel.isEmpty {
            let s = Summary(firstKernel)
            table.add([
                "library: spawn() → first kernel event (exec), all categories", Format.milliseconds(s.median),
                "\(Format.milliseconds(s.min))–\(Format.milliseconds(s.max))",
                "\(Format.milliseconds(s.q1))–\(Format.milliseconds(s.q3))", "≤ 100 ms",
            ])
        } else {
            table.note("the all-categories runs delivered no kernel event: nothing was attached")
        }
        let active = ObserverCapabilities.negotiate().available.map(\.rawValue).sorted()
        table.note("library categories really active: \(active.joined(separator: ", "))")

        if resolved.obsctl != nil {
            var firstOutput: [Double] = []
            var fixedCost: [Double] = []
            var firstKernelEvent: [Double] = []
            var silent = 0
            let childSeconds = 0.3
            let obsctlRounds = max(3, common.rounds)
            for _ in 0..<obsctlRounds {
                let background = try BackgroundCommand(
                    resolved.obsctlArgv(["sleep", "\(childSeconds)"], json: true, output: nil))
                if let ns = background.waitForFirstOutput(timeout: 10) {
                    firstOutput.append(Double(ns))
                } else {
                    silent += 1
                }
                _ = background.wait()
                // exec of obsctl → the kernel timestamp of the first file/network/process event it
                // prints (the child's exec), on the same CLOCK_MONOTONIC.
                let (traced, json) = try Launcher.runCapturing(
                    resolved.obsctlArgv(["/bin/true"], json: true, output: nil))
                if traced.exitedCleanly, let ts = Self.firstKernelTimestamp(json), ts > traced.startNs {
                    firstKernelEvent.append(Double(ts - traced.startNs))
                }
                let bare = try Launcher.run(["/bin/true"])
                let watched = try Launcher.run(resolved.obsctlArgv(["/bin/true"]))
                fixedCost.append(Double(watched.wallNs) - Double(bare.wallNs))
            }
            if !firstOutput.isEmpty {
                let s = Summary(firstOutput)
                table.add([
                    "obsctl: exec → first event line on stdout", Format.milliseconds(s.median),
                    "\(Format.milliseconds(s.min))–\(Format.milliseconds(s.max))",
                    "\(Format.milliseconds(s.q1))–\(Format.milliseconds(s.q3))",
                    "≤ 100 ms",
                ])
                if s.median >= childSeconds * 1e9 {
                    table.note(
                        "obsctl's first line came only after its \(childSeconds) s child ended: its output is block-buffered, so this is an upper bound"
                    )
                }
            }
            if !firstKernelEvent.isEmpty {
                let s = Summary(firstKernelEvent)
                table.add([
                    "obsctl: exec → first kernel event (its ts_ns)", Format.milliseconds(s.median),
                    "\(Format.milliseconds(s.min))–\(Format.milliseconds(s.max))",
                    "\(Format.milliseconds(s.q1))–\(Format.milliseconds(s.q3))", "≤ 100 ms",
                ])
            } else {
                table.note("obsctl printed no kernel event for /bin/true")
            }
            let f = Summary(fixedCost)
            table.add([
                "obsctl watch -- /bin/true minus bare /bin/true (whole fixed cost)", Format.milliseconds(f.median),
                "\(Format.milliseconds(f.min))–\(Format.milliseconds(f.max))",
                "\(Format.milliseconds(f.q1))–\(Format.milliseconds(f.q3))", "",
            ])
            if silent > 0 { table.note("\(silent) obsctl runs printed nothing") }
            table.note("obsctl categories really active: \(resolved.obsctlActive.joined(separator: ", "))")
        } else {
            table.note("obsctl rows skipped: \(resolved.obsctlProblem ?? "unavailable")")
        }
        return table
    }

    /// The `ts_ns` of the first JSON line whose category is not lifecycle.
    static func firstKernelTimestamp(_ jsonLines: String) -> UInt64? {
        for line in jsonLines.split(separator: "\n") where !line.contains("\"category\":\"lifecycle\"") {
            guard let r = line.range(of: "\"ts_ns\":") else { continue }
            return UInt64(line[r.upperBound...].prefix(while: \.isNumber))
        }
        return nil
    }
}
