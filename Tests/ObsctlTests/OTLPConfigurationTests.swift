import Foundation
import OTLPExport
import Testing

/// The standard `OTEL_EXPORTER_OTLP_*` variables, read as the OTLP exporter specification says;
/// pure, no collector needed.
@Suite("OTLP configuration from the environment")
struct OTLPConfigurationTests {
    static func make(_ url: String? = nil, _ environment: [String: String]) throws -> OTLPConfiguration {
        try OTLPConfiguration.make(url: url, environment: environment).get()
    }

    @Test("the default endpoint, and the signal paths under a base URL")
    func defaults() throws {
        let c = try Self.make(nil, [:])
        #expect(c.endpoints[.traces]?.absoluteString == "http://localhost:4318/v1/traces")
        #expect(c.endpoints[.logs]?.absoluteString == "http://localhost:4318/v1/logs")
        #expect(c.endpoints[.metrics]?.absoluteString == "http://localhost:4318/v1/metrics")
        #expect(c.gzip)
        #expect(c.timeout == .seconds(10))
        #expect(c.serviceName == "obsctl")
        let based = try Self.make(nil, ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example:4318/prefix"])
        #expect(based.endpoints[.logs]?.absoluteString == "https://otel.example:4318/prefix/v1/logs")
    }

    @Test("a URL given wins over the environment; a per-signal endpoint is used whole otherwise")
    func precedence() throws {
        let env = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:9999/custom/traces",
        ]
        let fromEnv = try Self.make(nil, env)
        #expect(fromEnv.endpoints[.traces]?.absoluteString == "http://t:9999/custom/traces")
        #expect(fromEnv.endpoints[.metrics]?.absoluteString == "http://a:4318/v1/metrics")
        let given = try Self.make("http://b:4318", env)
        #expect(given.endpoints[.traces]?.absoluteString == "http://b:4318/v1/traces")
    }

    @Test("headers: common and per signal, comma-separated, percent-decoded; malformed pairs skipped")
    func headers() throws {
        let c = try Self.make(
            nil,
            [
                "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20abc , x-tenant=ci,broken",
                "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "x-logs=1",
            ])
        #expect(c.headers[.traces]?.map { "\($0.0)=\($0.1)" } == ["Authorization=Bearer abc", "x-tenant=ci"])
        #expect(c.headers[.logs]?.map { "\($0.0)=\($0.1)" } == ["Authorization=Bearer abc", "x-tenant=ci", "x-logs=1"])
    }

    @Test("compression none, a timeout in milliseconds, the service name and resource attributes")
    func options() throws {
        let c = try Self.make(
            nil,
            [
                "OTEL_EXPORTER_OTLP_COMPRESSION": "none", "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
                "OTEL_SERVICE_NAME": "ci-runner", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci,team=a%2Cb",
            ])
        #expect(!c.gzip)
        #expect(c.timeout == .milliseconds(2500))
        #expect(c.serviceName == "ci-runner")
        #expect(c.resourceAttributes.map { "\($0.0)=\($0.1)" } == ["deployment.environment=ci", "team=a,b"])
    }

    @Test(
        "what cannot be used is refused with the reason",
        arguments: [
            ("ftp://x:1", [:], "ftp://x:1 is not an http:// or https:// URL"),
            ("not a url", [:], "not a url is not an http:// or https:// URL"),
            (
                nil, ["OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"],
                "OTEL_EXPORTER_OTLP_COMPRESSION is zstd, not gzip or none"
            ),
            (
                nil, ["OTEL_EXPORTER_OTLP_TIMEOUT": "soon"],
                "OTEL_EXPORTER_OTLP_TIMEOUT is soon, not a number of milliseconds"
            ),
        ] as [(String?, [String: String], String)])
    func refused(url: String?, environment: [String: String], message: String) {
        switch OTLPConfiguration.make(url: url, environment: environment) {
        case .success: Issue.record("accepted \(String(describing: url)) \(environment)")
        case .failure(let error): #expect(error.message == message)
        }
    }
}
