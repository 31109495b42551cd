import ProcessObserver
import SystemPackage

/// Events per second a Swift subscriber receives with nothing lost: `NativeProcess` running the
/// open flood with `withObserver(.lifecycle(.file))` and a buffer big enough to hold every event,
/// read by this thread with `recv()` as they come.
struct DeliveryRate {
    let common: CommonOptions
    let tools: ToolOptions
    let kit: WorkloadKit

    func measure() throws -> ResultTable {
        let opens = tools.scaled(1_000_000)
        let fileSupport = ObserverCapabilities.negotiate()[.file]
        var rates: [Double] = []
        var counts: [Int] = []
        var lost: UInt64 = 0
        var kernelLost: UInt64 = 0
        var wall: [Double] = []
        var windowRates: [Double] = []
        var bare: [Double] = []
        let rounds = max(1, min(common.rounds, 3))
        common.progress("delivery: \(rounds) runs of openflood \(opens) observed with .lifecycle(.file)")
        for _ in 0..<rounds {
            bare.append(Double(try Launcher.run([kit.openflood, kit.floodTarget, "\(opens)"]).wallNs) / 1e9)
            let process = NativeProcess(
                .path(FilePath(kit.openflood)), arguments: [kit.floodTarget, "\(opens)"], standardOutput: .null)
            let subscriber = process.withObserver(ObserverConfig.lifecycle(.file).buffering(opens * 2 + 1024))
            let start = monotonicNs()
            let running = try process.spawn()
            var fileEvents = 0
            var firstNs: UInt64?
            var lastNs: UInt64 = 0
            while let event = subscriber.recv() {
                if case .profile(let profile) = event.kind { kernelLost += UInt64(profile.lostKernel) }
                if event.category == .file {
                    fileEvents += 1
                    if firstNs == nil { firstNs = monotonicNs() }
                    lastNs = monotonicNs()
                }
            }
            let end = monotonicNs()
            _ = running.wait()
            lost += subscriber.lostCount
            counts.append(fileEvents)
            wall.append(Double(end - start) / 1e9)
            if let firstNs, lastNs > firstNs {
                rates.append(Double(fileEvents) / (Double(end - start) / 1e9))
                windowRates.append(Double(fileEvents) / (Double(lastNs - firstNs) / 1e9))
            }
        }
        var table = ResultTable(
            title: "Delivery: file events/s received by a Swift subscriber (openflood \(opens), no loss allowed)",
            columns: [
                ("file support", .left), ("median events/s", .right), ("min–max events/s", .right),
                ("file events per run", .right), ("lost: subscriber / kernel", .right), ("median run s", .right),
                ("first→last file event, events/s", .right),
                ("bare openflood s", .right), ("target", .right),
            ])
        let countText = counts.map(String.init).joined(separator: ", ")
        if rates.isEmpty {
            table.add([
                fileSupport.support.rawValue, "n/a", "n/a", countText, "\(lost) / \(kernelLost)",
                Format.seconds(Summary(wall).median),
                "n/a", Format.seconds(Summary(bare).median), "≥ 250,000/s",
            ])
            table.note(
                "no file events were delivered: file is \(fileSupport.support.rawValue) (\(fileSupport.reason)); re-run once the eBPF backend lands"
            )
        } else {
            let s = Summary(rates)
            table.add([
                fileSupport.support.rawValue, Format.rate(s.median), "\(Format.rate(s.min))–\(Format.rate(s.max))",
                countText, "\(lost) / \(kernelLost)",
                Format.seconds(Summary(wall).median), Format.rate(Summary(windowRates).median),
                Format.seconds(Summary(bare).median), "≥ 250,000/s",
            ])
            table.note(
                "events/s = file events received / wall time from spawn() to the end of the stream (includes backend load and teardown); "
                    + "first→last counts only the delivery window; bare openflood is the same loop unobserved, run in the same round; "
                    + (s.median >= 250_000
                        ? "target met" : "target MISSED by \(Format.rate(250_000 - s.median)) events/s"))
            if lost + kernelLost > 0 {
                table.note(
                    "events were lost (subscriber \(lost), kernel \(kernelLost)): the rate is not a no-loss rate")
            }
            if counts.contains(where: { $0 < opens }) {
                table.note("fewer file events than opens (\(opens)) in some run: the backend missed events")
            }
        }
        return table
    }
}
