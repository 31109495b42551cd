import Testing

@testable import ProcessObserver

/// How a process ended, as a value: each case's facts, and the unknown end through JSON and back.
@Suite("Exit status")
struct ExitStatusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var status: ProcessObserver.ExitStatus
        var code: Int32
        var exitCode: Int32?
        var signal: Int32?
        var isSuccess: Bool
        var words: String
        var testDescription: String { words }
    }

    static let cases: [Case] = [
        Case(status: .exited(code: 0), code: 0, exitCode: 0, signal: nil, isSuccess: true, words: "exit code 0"),
        Case(status: .exited(code: 3), code: 3, exitCode: 3, signal: nil, isSuccess: false, words: "exit code 3"),
        Case(
            status: .signaled(signal: 9, coreDumped: false), code: -9, exitCode: nil, signal: 9, isSuccess: false,
            words: "killed by SIGKILL (9)"),
        Case(status: .unknown, code: -1, exitCode: nil, signal: nil, isSuccess: false, words: "exit status unknown"),
    ]

    @Test("each end's facts", arguments: cases)
    func facts(_ c: Case) {
        #expect(c.status.code == c.code)
        #expect(c.status.exitCode == c.exitCode)
        #expect(c.status.signal == c.signal)
        #expect(c.status.isSuccess == c.isSuccess)
        #expect(ProcessObserver.ExitStatus(code: c.code, signal: c.signal) == c.status)
    }

    @Test("an unknown end is written as exit_code -1 with no signal, and read back as unknown")
    func unknownRoundTrip() throws {
        let event = ObserverEvent(
            timestampNs: 1, category: .lifecycle, processID: 42, kind: .exited(ProcessEnd(.unknown)))
        let line = EventJSON.line(event)
        #expect(line.contains("\"exit_code\":-1"))
        #expect(line.contains("\"signal\":null"))
        let bytes = Array(line.utf8.dropLast())
        let value = try bytes.withUnsafeBufferPointer { try JSONParser.parse($0) }
        guard case .event(let decoded) = try EventJSONDecoder.decode(value), case .exited(let end) = decoded.kind
        else {
            Issue.record("not an exited event")
            return
        }
        #expect(end.status == .unknown)
    }
}
