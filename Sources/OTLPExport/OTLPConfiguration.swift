import Foundation

/// Where and how to send, from the standard `OTEL_EXPORTER_OTLP_*` variables
/// (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), with what the caller gives
/// taking precedence:
/// - the endpoint: the caller's URL, else `OTEL_EXPORTER_OTLP_ENDPOINT`, else
///   `http://localhost:4318`; each signal posts to `<endpoint>/v1/traces`, `/v1/logs` and
///   `/v1/metrics`, unless `OTEL_EXPORTER_OTLP_{TRACES,LOGS,METRICS}_ENDPOINT` names its URL whole;
/// - headers: `OTEL_EXPORTER_OTLP_HEADERS` (and per signal), `key=value` pairs, comma-separated,
///   percent-decoded (authentication tokens go here);
/// - compression: `gzip` (the default here) or `none`, from `OTEL_EXPORTER_OTLP_COMPRESSION`;
/// - timeout: `OTEL_EXPORTER_OTLP_TIMEOUT`, in milliseconds (default 10 s), per request;
/// - the resource: `service.name` (`OTEL_SERVICE_NAME`, default `obsctl`) and
///   `OTEL_RESOURCE_ATTRIBUTES`, added to what the exporter knows (host, kernel).
public struct OTLPConfiguration: Sendable {
    public enum Signal: String, Sendable, CaseIterable {
        case traces, logs, metrics
    }

    public var endpoints: [Signal: URL]
    public var headers: [Signal: [(String, String)]]
    public var gzip: Bool
    public var timeout: Duration
    public var serviceName: String
    public var resourceAttributes: [(String, String)]
    /// Requests the queue may hold; beyond it new ones are dropped and counted.
    public var queueCapacity: Int
    /// How long `finish` may take to send what is queued.
    public var flushDeadline: Duration

    /// The configuration for `url` (nil: from the environment), or a reason it is not one.
    public static func make(
        url: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Result<OTLPConfiguration, OTLPConfigurationError> {
        let base = url ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "http://localhost:4318"
        guard let baseURL = URL(string: base), let scheme = baseURL.scheme, ["http", "https"].contains(scheme),
            baseURL.host != nil
        else {
            return .failure(OTLPConfigurationError(message: "\(base) is not an http:// or https:// URL"))
        }
        var endpoints: [Signal: URL] = [:]
        var headers: [Signal: [(String, String)]] = [:]
        let common = parsePairs(environment["OTEL_EXPORTER_OTLP_HEADERS"] ?? "")
        for signal in Signal.allCases {
            let name = signal.rawValue.uppercased()
            if url == nil, let own = environment["OTEL_EXPORTER_OTLP_\(name)_ENDPOINT"], let u = URL(string: own) {
                endpoints[signal] = u
            } else {
                endpoints[signal] = baseURL.appendingPathComponent("v1").appendingPathComponent(signal.rawValue)
            }
            headers[signal] = common + parsePairs(environment["OTEL_EXPORTER_OTLP_\(name)_HEADERS"] ?? "")
        }
        let compression = (environment["OTEL_EXPORTER_OTLP_COMPRESSION"] ?? "gzip").lowercased()
        guard compression == "gzip" || compression == "none" else {
            return .failure(
                OTLPConfigurationError(message: "OTEL_EXPORTER_OTLP_COMPRESSION is \(compression), not gzip or none"))
        }
        var timeout = Duration.seconds(10)
        if let ms = environment["OTEL_EXPORTER_OTLP_TIMEOUT"] {
            guard let value = Int64(ms), value > 0 else {
                return .failure(
                    OTLPConfigurationError(message: "OTEL_EXPORTER_OTLP_TIMEOUT is \(ms), not a number of milliseconds")
                )
            }
            timeout = .milliseconds(value)
        }
        return .success(
            OTLPConfiguration(
                endpoints: endpoints, headers: headers, gzip: compression == "gzip", timeout: timeout,
                serviceName: environment["OTEL_SERVICE_NAME"] ?? "obsctl",
                resourceAttributes: parsePairs(environment["OTEL_RESOURCE_ATTRIBUTES"] ?? ""), queueCapacity: 256,
                flushDeadline: .seconds(5)))
    }

    /// `k1=v1,k2=v2`, each side trimmed and percent-decoded; malformed pairs are skipped.
    static func parsePairs(_ text: String) -> [(String, String)] {
        text.split(separator: ",").compactMap { pair in
            guard let eq = pair.firstIndex(of: "=") else { return nil }
            let key = pair[..<eq].trimmingCharacters(in: .whitespaces)
            let value = pair[pair.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { return nil }
            return (key.removingPercentEncoding ?? key, value.removingPercentEncoding ?? value)
        }
    }
}

/// A configuration that cannot be used, and why.
public struct OTLPConfigurationError: Error, Sendable {
    public var message: String
}
