import ProcessObserver

// The scoped run of Docs/LIBRARY.md: the subscriber exists before the command's first
// instruction, and the run is over when `run(observing:)` returns.
let outcome = try await NativeProcess(.name("sh"), arguments: ["-c", "cat /etc/hostname > /dev/null; exit 3"])
    .run(observing: .lifecycle(.file)) { events in
        var kinds: [String] = []
        for await event in events { kinds.append(event.kind.name) }
        return kinds
    }
print(outcome.value.first ?? "-", outcome.value.last ?? "-", outcome.result.status)
