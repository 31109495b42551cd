import CHTTP
import Foundation

/// One OTLP/HTTP POST (`Content-Type: application/x-protobuf`), and what its answer means for a
/// retry (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response).
///
/// Sent with libcurl, which `CHTTP` loads at the first POST: linking it (or FoundationNetworking's
/// URLSession, which wraps it) would load it and its TLS, Kerberos and LDAP libraries into every
/// obsctl run, about 7 ms of CPU at start-up here, whether or not the run exports.
struct OTLPHTTPSender: Sendable {
    enum Outcome: Equatable {
        /// 2xx: accepted.
        case accepted
        /// 429, 502, 503, 504 or no answer at all: try again, after `retryAfter` when the
        /// collector said (`Retry-After`, seconds).
        case retryable(reason: String, retryAfter: Double?)
        /// Any other status (400: the collector could not use it): counted, not retried.
        case rejected(status: Int)
    }

    let configuration: OTLPConfiguration

    func post(_ body: Data, to signal: OTLPConfiguration.Signal) -> Outcome {
        guard let url = configuration.endpoints[signal] else { return .rejected(status: 0) }
        var headers = ["Content-Type: application/x-protobuf", "Expect:"]
        for (key, value) in configuration.headers[signal] ?? [] { headers.append("\(key): \(value)") }
        var payload = body
        if configuration.gzip, let compressed = Gzip.compress(body) {
            headers.append("Content-Encoding: gzip")
            payload = compressed
        }
        let timeoutMs =
            Int(configuration.timeout.components.seconds) * 1000
            + Int(configuration.timeout.components.attoseconds / 1_000_000_000_000_000)
        var status = 0
        var retryAfter = [CChar](repeating: 0, count: 64)
        var error = [CChar](repeating: 0, count: 512)
        let result = withCStrings(headers) { headerPointers in
            payload.withUnsafeBytes { bytes in
                obs_http_post(
                    url.absoluteString, headerPointers, headerPointers.count, bytes.baseAddress, bytes.count,
                    max(1, timeoutMs), &status, &retryAfter, retryAfter.count, &error, error.count)
            }
        }
        guard result == Int32(OBS_HTTP_ANSWERED.rawValue) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .retryable(reason: reason.isEmpty ? "no response" : reason, retryAfter: nil)
        }
        switch status {
        case 200..<300: return .accepted
        case 429, 502, 503, 504:
            let after = Double(
                String(decoding: retryAfter.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return .retryable(reason: "HTTP \(status)", retryAfter: after)
        default: return .rejected(status: status)
        }
    }
}

/// Calls `body` with NUL-terminated copies of `strings`, valid for the call only.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
