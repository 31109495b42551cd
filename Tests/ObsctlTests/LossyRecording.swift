import Foundation
import ProcessObserver
import Testing

/// A real run recorded with lost events: `sh -c script` observed in every category by a library
/// subscriber that holds 16 events and is read only at the end, so the rest is dropped and
/// counted. obsctl has no knob that loses events on purpose; this is the library's own loss.
enum LossyRecording {
    /// Runs `script`, writes its recording (header line, then every event received) to `path`,
    /// and returns the events. `shownArgv` is the argv the header names.
    static func write(script: ByteString, shownArgv: [ByteString], writer: String, to path: String) throws
        -> [ObserverEvent]
    {
        let process = NativeProcess(.name("sh"), arguments: ["-c", script], standardOutput: .null)
        let subscriber = process.withObserver(ObserverConfig.lifecycle(Set(EventCategory.allCases)).buffering(16))
        let running = try process.spawn()
        let clock = try #require(subscriber.clockBase)
        _ = running.wait()
        let events = subscriber.collect()
        var bytes = Array(
            EventJSON.headerLine(
                RecordingHeader.forThisMachine(
                    writer: writer, writerVersion: "1", clockBase: clock,
                    capabilities: RecordingHeader.capabilities(
                        ObserverCapabilities.negotiate(), observing: Set(EventCategory.allCases), sampling: false,
                        contained: true), processID: running.processID, argv: shownArgv,
                    workingDirectory: RecordingHeader.workingDirectory(), attached: false)
            ).utf8)
        for event in events { EventJSON.append(event, to: &bytes) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return events
    }
}
