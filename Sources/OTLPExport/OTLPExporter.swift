import Foundation
import ProcessObserver
import SwiftProtobuf

/// Sends a run's signals to an OTLP/HTTP collector without ever making the caller wait.
///
/// `send` encodes a batch into at most three requests (traces, logs, metrics) and queues them;
/// a thread of its own posts them in order. The queue is bounded (`queueCapacity` requests):
/// what does not fit is dropped and counted, never waited for. A request the collector asks to be
/// retried (429, 502, 503, 504, or no answer) is tried again with backoff, honouring
/// `Retry-After`, up to five times; one it refuses otherwise (400) is counted as rejected. `finish`
/// sends what is queued until `flushDeadline`, then drops the rest, counted, and says so.
public final class OTLPExporter: @unchecked Sendable {
    /// What became of the items sent, per signal: spans, log records, metric points.
    public struct Counts: Sendable, Equatable {
        public var exported: [String: Int] = [:]
        public var dropped: [String: Int] = [:]
        public var rejected: [String: Int] = [:]
        /// Requests tried again.
        public var retries = 0
        /// `finish` reached its deadline with requests still queued or in flight.
        public var deadlineHit = false
        /// The last reason a request failed, for the message.
        public var lastFailure: String?

        public var droppedTotal: Int { dropped.values.reduce(0, +) }
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    }

    private struct Request {
        var signal: OTLPConfiguration.Signal
        var body: Data
        var items: Int
    }

    public let configuration: OTLPConfiguration
    private let sender: OTLPHTTPSender
    private let resource: Resource
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var counts = Counts()
    private var finishing = false
    private var deadline: Date?
    private var busy = false
    /// The request being posted now, and whether the flush deadline has already counted it as
    /// dropped (its answer, if one comes after the deadline, then changes nothing).
    private var inFlight: Request?
    private var inFlightAbandoned = false
    private var thread: Thread?
    static let maxAttempts = 5

    /// `resource`: what the exporter knows of the machine (`host.name`, `os.version`…); the
    /// configuration's `service.name` and `OTEL_RESOURCE_ATTRIBUTES` are added.
    public init(configuration: OTLPConfiguration, resource known: [(String, String)]) {
        self.configuration = configuration
        sender = OTLPHTTPSender(configuration: configuration)
        var attributes: [(String, String)] = [("service.name", configuration.serviceName)] + known
        for (key, value) in configuration.resourceAttributes
        where key != "service.name" || configuration.serviceName == "obsctl" {
            attributes.removeAll { $0.0 == key }
            attributes.append((key, value))
        }
        var resource = Resource()
        resource.attributes = attributes.map { Attribute.string($0.0, $0.1) }
        self.resource = resource
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "obs-otlp"
        self.thread = thread
        thread.start()
    }

    /// Queues the batch's signals; never blocks on the network.
    public func send(_ batch: OTLPRunMapper.Batch) {
        var requests: [Request] = []
        var unencoded: [(OTLPConfiguration.Signal, Int)] = []
        // A request that cannot be encoded is dropped like one that does not fit: counted.
        func encode(_ signal: OTLPConfiguration.Signal, items: Int, _ body: () throws -> Data) {
            if let data = try? body() {
                requests.append(Request(signal: signal, body: data, items: items))
            } else {
                unencoded.append((signal, items))
            }
        }
        if !batch.spans.isEmpty {
            var r = TraceRequest()
            var rs = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            rs.resource = resource
            var ss = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            ss.scope = Self.scope
            ss.spans = batch.spans
            ss.schemaURL = Self.schemaURL
            rs.scopeSpans = [ss]
            r.resourceSpans = [rs]
            encode(.traces, items: batch.spanCount) { try r.serializedData() }
        }
        if !batch.logs.isEmpty {
            var r = LogsRequest()
            var rl = Opentelemetry_Proto_Logs_V1_ResourceLogs()
            rl.resource = resource
            var sl = Opentelemetry_Proto_Logs_V1_ScopeLogs()
            sl.scope = Self.scope
            sl.logRecords = batch.logs
            sl.schemaURL = Self.schemaURL
            rl.scopeLogs = [sl]
            r.resourceLogs = [rl]
            encode(.logs, items: batch.logCount) { try r.serializedData() }
        }
        if !batch.metrics.isEmpty {
            var r = MetricsRequest()
            var rm = Opentelemetry_Proto_Metrics_V1_ResourceMetrics()
            rm.resource = resource
            var sm = Opentelemetry_Proto_Metrics_V1_ScopeMetrics()
            sm.scope = Self.scope
            sm.metrics = batch.metrics
            sm.schemaURL = Self.schemaURL
            rm.scopeMetrics = [sm]
            r.resourceMetrics = [rm]
            encode(.metrics, items: batch.metricPointCount) { try r.serializedData() }
        }
        condition.lock()
        for (signal, items) in unencoded { counts.dropped[signal.rawValue, default: 0] += items }
        for request in requests {
            if queue.count >= configuration.queueCapacity || finishing {
                counts.dropped[request.signal.rawValue, default: 0] += request.items
            } else {
                queue.append(request)
            }
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Sends what is queued, for at most `flushDeadline`; returns what became of everything.
    public func finish() -> Counts {
        condition.lock()
        finishing = true
        deadline = Date().addingTimeInterval(Self.seconds(configuration.flushDeadline))
        condition.broadcast()
        while (!queue.isEmpty || busy), let deadline, Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        if !queue.isEmpty || busy {
            counts.deadlineHit = true
            // What the collector has not confirmed by now is dropped: the queue, and the request
            // still on the wire.
            for request in queue + (inFlight.map { [$0] } ?? []) {
                counts.dropped[request.signal.rawValue, default: 0] += request.items
            }
            inFlightAbandoned = inFlight != nil
            queue.removeAll()
        }
        let result = counts
        condition.unlock()
        return result
    }

    /// What has happened so far (for a summary while running).
    public var currentCounts: Counts {
        condition.lock()
        defer { condition.unlock() }
        return counts
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !finishing { condition.wait() }
            if queue.isEmpty && finishing {
                condition.unlock()
                return
            }
            let request = queue.removeFirst()
            busy = true
            inFlight = request
            inFlightAbandoned = false
            condition.unlock()
            deliver(request)
            condition.lock()
            busy = false
            inFlight = nil
            condition.broadcast()
            condition.unlock()
        }
    }

    private func deliver(_ request: Request) {
        var attempt = 0
        while true {
            let outcome = sender.post(request.body, to: request.signal)
            condition.lock()
            defer { condition.unlock() }
            // Counted as dropped when the flush deadline passed with it on the wire.
            if inFlightAbandoned { return }
            let key = request.signal.rawValue
            switch outcome {
            case .accepted:
                counts.exported[key, default: 0] += request.items
                return
            case .rejected(let status):
                counts.rejected[key, default: 0] += request.items
                counts.lastFailure = "the collector refused a \(key) request with HTTP \(status)"
                return
            case .retryable(let reason, let retryAfter):
                attempt += 1
                counts.lastFailure = "a \(key) request failed: \(reason)"
                let wait = min(retryAfter ?? 0.25 * pow(2, Double(attempt - 1)), 30)
                let resume = Date().addingTimeInterval(wait)
                if attempt >= Self.maxAttempts || (deadline.map { resume >= $0 } ?? false) {
                    counts.dropped[key, default: 0] += request.items
                    return
                }
                counts.retries += 1
                // Wait for the backoff, but no longer than a flush allows.
                while Date() < resume, !(deadline.map { Date() >= $0 } ?? false) {
                    _ = condition.wait(until: min(resume, deadline ?? resume))
                }
                if let deadline, Date() >= deadline {
                    counts.dropped[key, default: 0] += request.items
                    return
                }
            }
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static let schemaURL = "https://opentelemetry.io/schemas/1.37.0"

    static let scope: Opentelemetry_Proto_Common_V1_InstrumentationScope = {
        var s = Opentelemetry_Proto_Common_V1_InstrumentationScope()
        s.name = "swift-process-observer"
        s.version = "0.9.0"
        return s
    }()
}
