import ProcessObserver

extension EventText {
    /// One event in a line of words, from its facts: the call, its errno when it returned one,
    /// what it acted on (`open /src/foo.c (foo.c)`, `connect ECONNREFUSED 127.0.0.1:9`,
    /// `rename /t/a -> /t/b`), or how a process ended. The Perfetto instants' names and the
    /// OTLP log bodies; the human line lays out the same parts in columns.
    public static func summary(_ kind: EventKind) -> String {
        switch kind {
        case .started(let s): return call("started", errno: nil, captured(CapturedString(s.path)))
        case .exited(let end), .exit(let end): return exit(end.status, killedByOOM: end.killedByOOM)
        case .profile(let p): return exit(p.status, killedByOOM: p.killedByOOM)
        case .sample(let s): return call("sample", errno: nil, "\(s.processCount) processes")
        case .lost(let lost): return lostEvents(lost)
        case .limit(let limit): return self.limit(limit)
        case .fork(let f): return call("fork", errno: nil, String(f.childProcessID))
        case .syscalls(let s): return call("syscalls", errno: nil, syscallTotals(s))
        case .exec, .open, .unlink, .rmdir, .mkdir, .rename, .link, .symlink, .chdir:
            return call(kind.name, errno: kind.errnoName, kind.paths.map { path($0) }.joined(separator: " -> "))
        case .fchdir(let c):
            let named = c.absolutePath == nil ? "" : " " + path(EventPath(passed: nil, absolute: c.absolutePath))
            return call(kind.name, errno: kind.errnoName, "fd \(c.fd ?? -1)" + named)
        case .connect(let s), .accept(let s), .bind(let s):
            return call(
                kind.name, errno: kind.errnoName,
                address(s.address, absolutePath: s.absolutePath) + (s.peerName.map { " (" + $0 + ")" } ?? ""))
        case .listen(let l): return call(kind.name, errno: kind.errnoName, "fd \(l.fd)")
        case .close(let c): return call("close", errno: nil, fileClose(c))
        case .socketClose(let c): return call("close", errno: nil, socketClose(c))
        case .dns(let d): return call("dns", errno: nil, dns(d))
        }
    }

    /// `412 calls, 3 errors, 1.25 ms in 28 syscalls` (and `, 4 not counted` when the kernel's map
    /// was full).
    public static func syscallTotals(_ summary: SyscallSummary) -> String {
        let calls = summary.syscalls.reduce(0) { $0 + $1.calls }
        let errors = summary.syscalls.reduce(0) { $0 + $1.errors }
        let ns = summary.syscalls.reduce(0) { $0 + $1.totalNs }
        var text =
            "\(calls) call\(calls == 1 ? "" : "s"), \(errors) error\(errors == 1 ? "" : "s"), "
            + "\(ReportText.seconds(ns)) in \(summary.syscalls.count) syscall\(summary.syscalls.count == 1 ? "" : "s")"
        if summary.dropped > 0 { text += ", \(summary.dropped) not counted" }
        return text
    }

    /// `3 events lost (kernel)`.
    public static func lostEvents(_ lost: Lost) -> String { "\(lost.count) events lost (\(lost.source.rawValue))" }

    /// `the OOM killer ended 1 process (memory limit 64.0 MiB)`, `2 forks refused (process limit 8)`.
    public static func limit(_ limit: LimitReached) -> String {
        switch limit.resource {
        case .memory:
            "the OOM killer ended \(limit.count) process\(limit.count == 1 ? "" : "es") (memory limit \(ReportText.bytes(limit.limit)))"
        case .pids: "\(limit.count) fork\(limit.count == 1 ? "" : "s") refused (process limit \(limit.limit))"
        }
    }
}
