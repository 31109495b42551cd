import ProcessObserver

// The examples of Docs/LIBRARY.md that need a target to act on, compiled by `.ci/run` and run
// against this process's own parent shell and a recording named on the command line.

/// Attaching: observe a running process (and its future children) until it exits or `stop()`.
func watchFiles(of processID: Int32) throws -> ProcessResult {
    let target = AttachedProcess(processID: processID)
    let events = target.withObserver(.lifecycle(.file, .process))
    let attached = try target.attach()
    while let event = events.recv() {
        if case .open(let open) = event.kind { print(event.processID, open.path.value) }
    }
    return attached.wait()
}

/// Reading a recording (`obsctl watch --json -o run.jsonl`) back as events.
func countFailures(in path: String) throws -> Int {
    let recording = try RunRecording.open(path)
    var failed = 0
    while let event = try recording.next() {
        if case .open(let open) = event.kind, !open.result.succeeded { failed += 1 }
    }
    return failed
}

/// Subscribers with their own buffers: a small one may drop, and says how much with `lost`.
func twoSubscribers() throws {
    let process = NativeProcess(.name("true"))
    let everything = process.withObserver(.lifecycle(.file, .network, .process).buffering(1 << 20))
    let summary = process.withObserver(.lifecycle().buffering(16))
    let result = try process.spawn().wait()
    print(everything.drain().count, summary.lostCount, result.status)
}

if CommandLine.arguments.count > 1 { print(try countFailures(in: CommandLine.arguments[1])) }
