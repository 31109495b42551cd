/// What `obsctl watch` says it delivered, parsed from the summary it prints at the end:
/// events per category, the losses, and the command's own wall time.
///
/// Every timed obsctl run keeps its summary (a few hundred bytes on stdout, written after the
/// command has ended), so each row of the comparison can show that events really flowed.
struct ObsctlSummary: Sendable {
    /// Events per category (`lifecycle`, `file`, `network`, `process`).
    var events: [String: Int] = [:]
    var lostSubscriber: Int = 0
    var lostKernel: Int = 0
    /// The observed command's wall time, as the library measured it (`… after 1.234s`).
    var commandSeconds: Double?
    /// The command's user+system CPU seconds (the `cpu` line: the `wait4` rusage of the root,
    /// which holds every descendant it reaped), the very figure folded into obsctl's own
    /// children's rusage when it reaps the root.
    var commandCPUSeconds: Double?
    /// The tree's CPU seconds from its cgroup (`tree cpu …`), when the run was contained.
    var treeCPUSeconds: Double?

    var kernelEvents: Int { events.filter { $0.key != "lifecycle" }.values.reduce(0, +) }
    var lost: Int { lostSubscriber + lostKernel }

    /// Parses the summary lines (see `RunSummary.text` in obsctl); nil when there is no `lost` line.
    init?(_ text: String) {
        var sawLost = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingPrefix(while: { $0 == " " })
            let words = line.split(separator: " ")
            guard let first = words.first else { continue }
            if first == "lost", words.count >= 5 {
                // lost       N (subscriber S, kernel K)
                lostSubscriber = Int(words[3].filter(\.isNumber)) ?? 0
                lostKernel = Int(words[5].filter(\.isNumber)) ?? 0
                sawLost = true
            } else if ["lifecycle", "file", "network", "process"].contains(String(first)), words.count >= 3,
                words[2].hasPrefix("events")
            {
                events[String(first)] = Int(words[1])
            } else if first == "cpu", words.count >= 5, words[1] == "user", words[3] == "system" {
                commandCPUSeconds = Self.seconds(words[2]).flatMap { u in Self.seconds(words[4]).map { u + $0 } }
            } else if first == "tree", words.count >= 6, words[1] == "cpu", words[2] == "user", words[4] == "system" {
                treeCPUSeconds = Self.seconds(words[3]).flatMap { u in Self.seconds(words[5]).map { u + $0 } }
            } else if first == "obsctl:", let range = line.range(of: " after ", options: .backwards) {
                let rest = line[range.upperBound...]
                commandSeconds = Double(rest.prefix(while: { $0.isNumber || $0 == "." }))
            }
        }
        guard sawLost else { return nil }
    }

    /// `0.123s` → 0.123.
    private static func seconds(_ word: Substring) -> Double? {
        word.hasSuffix("s") ? Double(word.dropLast()) : nil
    }
}

/// How obsctl attaches its syscall programs (`OBS_SYSCALL_ATTACH`, read by the library's probe).
enum SyscallAttach: String, CaseIterable, Sendable {
    /// `raw_tp/sys_enter` and `raw_tp/sys_exit`: the default.
    case raw
    /// The classic `tp/syscalls/sys_{enter,exit}_*` tracepoints, one per syscall.
    case tracepoints

    var environment: [String: String] {
        self == .tracepoints ? ["OBS_SYSCALL_ATTACH": "tracepoints"] : [:]
    }

    var label: String { self == .raw ? "raw_tp" : "tp/" }
}
