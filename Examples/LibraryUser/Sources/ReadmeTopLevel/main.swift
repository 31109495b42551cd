import ProcessObserver

let process = NativeProcess(.name("make"), arguments: ["-j2"], timeout: .seconds(600))
let events = process.withObserver(
    ObserverConfig.lifecycle(.file, .process).sampling(every: .seconds(1)))
let running = try process.spawn()          // throws ObserverError: not found, not executable…
for await event in events {                // ends after the closing `profile`
    if case .open(let open) = event.kind, !open.result.succeeded {
        print(event.processID, open.path.value, open.result.errnoName ?? "")
    }
}
let result = running.wait()                // ExitStatus, RunProfile, captured output
print(result.status.code, result.profile.peakRSSBytes)
