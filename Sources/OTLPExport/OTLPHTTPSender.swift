import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One OTLP/HTTP POST (`Content-Type: application/x-protobuf`), and what its answer means for a
/// retry (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response).
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
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval =
            Double(configuration.timeout.components.seconds)
            + Double(configuration.timeout.components.attoseconds) / 1e18
        request.setValue("application/x-protobuf", forHTTPHeaderField: "Content-Type")
        for (key, value) in configuration.headers[signal] ?? [] { request.setValue(value, forHTTPHeaderField: key) }
        if configuration.gzip, let compressed = Gzip.compress(body) {
            request.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
            request.httpBody = compressed
        } else {
            request.httpBody = body
        }
        let box = ResponseBox()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { _, response, error in
            box.set(response as? HTTPURLResponse, error)
            done.signal()
        }
        task.resume()
        done.wait()
        let (response, error) = box.get()
        guard let response else {
            return .retryable(reason: error.map { "\($0.localizedDescription)" } ?? "no response", retryAfter: nil)
        }
        switch response.statusCode {
        case 200..<300: return .accepted
        case 429, 502, 503, 504:
            let after = (response.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
            return .retryable(reason: "HTTP \(response.statusCode)", retryAfter: after)
        default: return .rejected(status: response.statusCode)
        }
    }
}

/// The completion handler's result, handed to the waiting thread.
private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var response: HTTPURLResponse?
    private var error: Error?
    func set(_ r: HTTPURLResponse?, _ e: Error?) {
        lock.lock()
        response = r
        error = e
        lock.unlock()
    }
    func get() -> (HTTPURLResponse?, Error?) {
        lock.lock()
        defer { lock.unlock() }
        return (response, error)
    }
}
