import ProcessObserver
import SystemPackage

/// The event loop of `obsctl watch`: reads the subscriber on the main thread while the library
/// reaps on its own, and writes each event as it arrives.
///
/// Events are taken from the subscriber in batches (all that is queued, under one lock), and
/// writes are batched: the buffer is flushed whenever the subscriber has nothing queued (so a
/// quiet run shows each event at once, even through a pipe) and when it fills; on a terminal,
/// after every event. When the reader of our output goes away (EPIPE on a write, or POLLERR /
/// POLLHUP seen while idle, checked every 250 ms), `endEarly` winds the run down (a started
/// command's run (its cgroup) is terminated; an attached process is let go) and the rest of the
/// stream is read and dropped, so the run still ends properly (a started child is reaped).
struct WatchSession {
    let output: BufferedOutput
    let json: Bool
    let formatter: HumanFormatter
    /// `--record DIR`: every event is also written there, as JSON Lines, whatever `json` says.
    var recording: SegmentedRecordingWriter? = nil

    /// The most events taken from the subscriber at once (a full buffer is not copied whole).
    static let batchLimit = 4096

    /// `idle` is called on every quiet 250 ms (for the note on a tree that outlives its root);
    /// `observe` sees every event (for `--report`).
    /// `beforeProfile` may change the profile and returns events to write before it (an
    /// exporter's losses, known only once it has flushed).
    func run(
        subscriber: ObserverSubscriber, endEarly: () -> Void, idle: () -> Void = {},
        observe: (ObserverEvent) -> Void = { _ in },
        beforeProfile: (inout ObserverEvent) -> [ObserverEvent] = { _ in [] }
    ) -> RunSummary {
        var summary = RunSummary()
        var stopped = false
        var noticed = false
        /// Says once on stderr that the recording is dropping events (the run goes on).
        func flushRecording() {
            guard let recording else { return }
            recording.flush()
            if let failure = recording.failure, !noticed {
                noticed = true
                Diagnostics.print(Self.recordingNotice(recording.directory, failure))
            }
        }
        // Kept from one burst to the next, so a flood allocates no array per burst.
        var events: [ObserverEvent] = []
        // Where each human line is written before it is copied to `output`: kept, so a line
        // allocates nothing.
        var line = LineBuffer(capacity: 4096)
        while true {
            // What is queued, under one lock: a burst costs one hand-over, not one per event.
            events.removeAll(keepingCapacity: true)
            subscriber.drain(into: &events, upTo: Self.batchLimit)
            if events.isEmpty {
                output.flush()
                flushRecording()
                // Wake now and then to notice a reader that went away while no event came.
                var next: ObserverEvent?
                while next == nil, !subscriber.isFinished {
                    next = subscriber.recv(timeout: .milliseconds(250))
                    if next == nil, !stopped, output.readerIsGone() {
                        stopped = true
                        endEarly()
                    }
                    if next == nil {
                        flushRecording()
                        idle()
                    }
                }
                guard let next else { break }
                events.append(next)
            }
            for index in events.indices {
                if case .profile = events[index].kind {
                    for before in beforeProfile(&events[index]) {
                        write(before, summary: &summary, line: &line, observe: observe)
                    }
                }
                write(events[index], summary: &summary, line: &line, observe: observe)
                if output.isClosed, !stopped {
                    stopped = true
                    endEarly()
                }
            }
        }
        output.flush()
        flushRecording()
        return summary
    }

    /// Counts one event, shows it to `observe`, records it, and writes it unless the output has
    /// closed. With `--json` and `--record`, the line is formatted once and copied to the output.
    private func write(
        _ event: ObserverEvent, summary: inout RunSummary, line: inout LineBuffer, observe: (ObserverEvent) -> Void
    ) {
        summary.count(event)
        observe(event)
        if let recording {
            recording.append(event) { bytes in
                let start = bytes.count
                EventJSON.append(event, to: &bytes)
                if json, !output.isClosed { output.append { $0.append(contentsOf: bytes[start...]) } }
            }
        }
        guard !output.isClosed else { return }
        if json {
            if recording == nil { output.append { EventJSON.append(event, to: &$0) } }
        } else {
            line.removeAll()
            formatter.write(event, to: &line)
            output.append { $0.append(contentsOf: line.bytes) }
        }
        if output.isTerminal { output.flush() }
    }

    /// The one message when the recording first fails to write.
    static func recordingNotice(_ directory: String, _ failure: Errno) -> String {
        let why =
            failure == .noSpace || failure == .diskQuotaExceeded
            ? "its disk is full and no old segment is left to remove" : "a write failed"
        return
            "warning: recording to \(ByteString(directory).shellQuoted): \(why) (\(ErrnoName.name(of: failure.rawValue))); "
            + "events are dropped and counted (lost, source writer) until it can write again; the run goes on."
    }
}
