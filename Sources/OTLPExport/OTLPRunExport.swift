import Foundation
import ProcessObserver

/// A run's events, mapped and sent as they come: the glue `obsctl export --format otlp` and
/// `obsctl watch --otlp` share. Events go in through `add`, in order; batches of about
/// `batchSize` records are queued as they fill, and `finish` sends the rest and waits for the
/// flush (at most the configuration's `flushDeadline`).
public struct OTLPRunExport: Sendable {
    public var mapper = OTLPRunMapper()
    public let exporter: OTLPExporter
    public var batchSize = 512
    /// Items handed to the exporter, per signal, for the caller's summary.
    public private(set) var sent: [String: Int] = [:]

    public init(configuration: OTLPConfiguration, hostName: String, kernelRelease: String) {
        exporter = OTLPExporter(
            configuration: configuration,
            resource: [("host.name", hostName), ("os.type", "linux"), ("os.version", kernelRelease)])
    }

    public mutating func add(_ event: ObserverEvent) {
        mapper.add(event)
        mapperBacklog += 1
        if mapperBacklog >= batchSize { flushBatch() }
    }

    /// Ends the run's open spans, queues the rest and waits for the flush.
    public mutating func finish() -> OTLPExporter.Counts {
        mapper.finish()
        flushBatch()
        return exporter.finish()
    }

    private var mapperBacklog = 0

    private mutating func flushBatch() {
        let batch = mapper.take()
        sent["traces", default: 0] += batch.spanCount
        sent["logs", default: 0] += batch.logCount
        sent["metrics", default: 0] += batch.metricPointCount
        exporter.send(batch)
        mapperBacklog = 0
    }
}

extension OTLPRunExport {
    /// One line for people: what was sent, exported, dropped and rejected.
    public static func summary(sent: [String: Int], counts: OTLPExporter.Counts) -> String {
        func part(_ signal: String, _ noun: String) -> String {
            let n = sent[signal, default: 0]
            var text = "\(counts.exported[signal, default: 0]) of \(n) \(noun)"
            if let d = counts.dropped[signal], d > 0 { text += " (\(d) dropped)" }
            if let r = counts.rejected[signal], r > 0 { text += " (\(r) rejected)" }
            return text
        }
        var line =
            "otlp: exported "
            + [part("traces", "spans"), part("logs", "log records"), part("metrics", "metric points")]
            .joined(separator: ", ")
        if counts.retries > 0 { line += "; \(counts.retries) retries" }
        if counts.deadlineHit { line += "; the flush deadline was reached" }
        if counts.droppedTotal + counts.rejectedTotal > 0, let reason = counts.lastFailure {
            line += "; last failure: \(reason)"
        }
        return line
    }
}
