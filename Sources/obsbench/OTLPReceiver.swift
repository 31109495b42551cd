import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The tests' OTLP/HTTP receiver (`Tests/ObsctlTests/Fixtures/otlp_receiver.py`, mode `count`:
/// it decodes every request with the official Python bindings and counts), run for the
/// `obsctl --otlp` rows so the export's cost includes a real collector's answers. Absent when
/// python3 or its opentelemetry-proto package is missing: the rows are skipped, with the reason.
final class OTLPReceiver: @unchecked Sendable {
    private(set) var url: String?
    private(set) var problem: String?
    private var command: BackgroundCommand?
    private let portFile = "/tmp/obsbench-otlp-\(getpid()).port"

    init(sources: String) {
        let script =
            sources.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
            + "/Tests/ObsctlTests/Fixtures/otlp_receiver.py"
        guard access(script, R_OK) == 0 else {
            problem = "the OTLP receiver \(script) is missing"
            return
        }
        unlink(portFile)
        do {
            // Mode count writes no output file; the name is only a placeholder, never /dev/null
            // (a receiver that rewrote its output by rename would replace the device).
            command = try BackgroundCommand(["python3", script, portFile, portFile + ".unused", "count"])
        } catch {
            problem = "python3 could not be started: \(error)"
            return
        }
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                url = "http://127.0.0.1:\(port)"
                return
            }
            usleep(50_000)
        }
        problem = "the OTLP receiver did not start (is opentelemetry-proto installed for python3?)"
        stop()
    }

    func stop() {
        _ = command?.stop(signal: SIGKILL, group: true, grace: 1)
        command = nil
        unlink(portFile)
    }
}
