import ObserverReporting
import ProcessObserver

/// One aligned line per event for people:
///
/// ```
///    0.001  lifecycle  started   41234  sh -c 'exit 3'  [/usr/bin/sh]
///    0.004  lifecycle  exited    41234  exit code 3
/// ```
///
/// Columns: seconds.millis since obsctl started the command, category, kind, pid (`pid/tid` when
/// the acting thread is not the main one), then the kind's details. Kernel events put the task's
/// `comm` first in brackets. Byte strings are quoted like a shell would need them, with bytes that
/// are not printable UTF-8 as `\xNN` inside `$'…'`, so nothing is hidden or lost on screen.
///
/// The line is written into a `LineBuffer` piece by piece (`write(_:to:)`): a flood of file
/// events writes tens of thousands a second, and a `String` per piece cost obsctl more CPU than
/// the command it watched. The kinds a flood is made of (file, network and process calls, their
/// closes and exits) are written byte by byte; the rare ones (samples, the profile, limits) take
/// their words from `String` functions.
struct HumanFormatter {
    /// `CLOCK_MONOTONIC` when the command was started: time zero of the first column.
    let originNs: UInt64
    let colour: Bool
    /// The run's memory limit, named when the OOM killer ends a process.
    var memoryLimit: UInt64? = nil

    /// The line of `event`, `\n` included.
    func line(_ event: ObserverEvent) -> String {
        LineBuffer.string(capacity: 256) { write(event, to: &$0) }
    }

    /// Appends the line of `event`, `\n` included, to `out`.
    func write(_ event: ObserverEvent, to out: inout LineBuffer) {
        let elapsed = event.timestampNs >= originNs ? event.timestampNs - originNs : 0
        let millis = elapsed / 1_000_000
        paintStart("2", &out)
        var start = out.count
        out.appendDecimal(millis / 1000)
        out.append(UInt8(ascii: "."))
        out.appendDecimal(millis % 1000, zeroPaddedTo: 3)
        out.rightAlignColumn(from: start, to: 9)
        paintEnd(&out)
        out.append("  ")
        paintStart(Self.colour(of: event.category), &out)
        start = out.count
        out.append(event.category.rawValue)
        out.padColumn(from: start, to: 9)
        paintEnd(&out)
        out.append("  ")
        start = out.count
        out.append(event.kind.name)
        out.padColumn(from: start, to: 8)
        out.append("  ")
        start = out.count
        out.appendDecimal(event.processID)
        if let tid = event.threadID, tid != event.processID {
            out.append(UInt8(ascii: "/"))
            out.appendDecimal(tid)
        }
        out.rightAlignColumn(from: start, to: 7)
        out.append("  ")
        let failed = event.kind.failed
        if failed { paintStart("31", &out) }
        if let comm = event.command {
            out.append(UInt8(ascii: "["))
            out.appendShellQuoted(comm.bytes)
            out.append("] ")
        }
        details(event.kind, &out)
        if let ns = event.durationNs, ns >= Self.slowCallNs {
            out.append("  <")
            Self.appendCallTime(ns, to: &out)
            out.append(UInt8(ascii: ">"))
        }
        if failed { paintEnd(&out) }
        out.append(UInt8(ascii: "\n"))
    }

    /// A call at least this long shows its time at the end of its line (strace's `-T`, which
    /// shows every call's; here only the slow ones, so ordinary lines stay as they were).
    static let slowCallNs: UInt64 = 1_000_000

    /// `<0.012345s>`: seconds with microseconds, as strace -T writes them.
    static func callTime(_ ns: UInt64) -> String {
        LineBuffer.string(capacity: 32) { appendCallTime(ns, to: &$0) }
    }

    static func appendCallTime(_ ns: UInt64, to out: inout LineBuffer) {
        let micros = ns / 1000
        out.appendDecimal(micros / 1_000_000)
        out.append(UInt8(ascii: "."))
        out.appendDecimal(micros % 1_000_000, zeroPaddedTo: 6)
        out.append(UInt8(ascii: "s"))
    }

    private func paintStart(_ sgr: StaticString, _ out: inout LineBuffer) {
        guard colour else { return }
        out.append("\u{1B}[")
        out.append(sgr)
        out.append(UInt8(ascii: "m"))
    }

    private func paintEnd(_ out: inout LineBuffer) {
        if colour { out.append("\u{1B}[0m") }
    }

    private static func colour(of category: EventCategory) -> StaticString {
        switch category {
        case .lifecycle: "32"
        case .file: "36"
        case .network: "35"
        case .process: "33"
        }
    }

    private func details(_ kind: EventKind, _ out: inout LineBuffer) {
        switch kind {
        case .started(let s):
            Self.appendArgv(s.argv, to: &out)
            out.append("  [")
            out.appendShellQuoted(s.path.bytes)
            out.append(UInt8(ascii: "]"))
        case .exited(let end), .exit(let end):
            out.append(EventText.exit(end.status))
            if end.killedByOOM {
                out.append(UInt8(ascii: " "))
                out.append(Self.byOOMKiller(memoryLimit: memoryLimit))
            }
            if let peak = EventText.peakRSS(end) {
                out.append("  ")
                out.append(peak)
            }
            if let io = end.io {
                out.append("  ")
                out.append(EventText.processIO(io))
            }
        case .sample(let sample):
            out.append(Self.sample(sample))
        case .lost(let lost):
            out.append(EventText.lostEvents(lost))
        case .limit(let limit):
            out.append(EventText.limit(limit))
        case .profile(let p):
            out.append(Self.profile(p))
        case .fork(let f):
            out.append("child ")
            out.appendDecimal(f.childProcessID)
            out.append(" of ")
            out.appendDecimal(f.parentProcessID)
        case .syscalls(let summary):
            out.append(EventText.syscallTotals(summary))
        case .exec(let e):
            Self.appendPath(e.path, e.absolutePath, to: &out)
            out.append("  ")
            Self.appendArgv(e.argv, to: &out)
            if e.argvTruncated { out.append(" …") }
            out.append("  ")
            EventText.appendResult(e.result, to: &out)
        case .open(let o):
            Self.appendPath(o.path, o.absolutePath, to: &out)
            out.append("  ")
            OpenFlags.appendNames(of: o.flags, to: &out)
            Self.appendMode(o.mode, to: &out)
            out.append("  ")
            EventText.appendResult(o.result, to: &out)
        case .unlink(let p), .rmdir(let p), .mkdir(let p):
            Self.appendPath(p.path, p.absolutePath, to: &out)
            Self.appendMode(p.mode, to: &out)
            out.append("  ")
            EventText.appendResult(p.result, to: &out)
        case .rename(let r):
            Self.appendPath(r.path, r.absolutePath, to: &out)
            out.append(" -> ")
            Self.appendPath(r.newPath, r.newAbsolutePath, to: &out)
            out.append("  ")
            EventText.appendResult(r.result, to: &out)
        case .chdir(let c), .fchdir(let c):
            let named = EventPath(passed: c.path, absolute: c.absolutePath)
            if c.path == nil {
                out.append("fd ")
                out.appendDecimal(c.fd ?? -1)
                if c.absolutePath != nil {
                    out.append(UInt8(ascii: " "))
                    EventText.appendPath(named, .shell, to: &out)
                }
            } else {
                EventText.appendPath(named, .shell, to: &out)
            }
            out.append("  ")
            EventText.appendResult(c.result, to: &out)
        case .link(let l):
            Self.appendPath(l.path, l.absolutePath, to: &out)
            out.append(" => ")
            Self.appendPath(l.newPath, l.newAbsolutePath, to: &out)
            out.append("  ")
            EventText.appendResult(l.result, to: &out)
        case .symlink(let l):
            Self.appendPath(l.path, l.absolutePath, to: &out)
            out.append(" -> ")
            EventText.appendCaptured(l.target, .shell, to: &out)
            out.append("  ")
            EventText.appendResult(l.result, to: &out)
        case .connect(let s), .accept(let s), .bind(let s):
            out.append("fd ")
            out.appendDecimal(s.fd)
            out.append("  ")
            Self.appendAddress(s.address, s.absolutePath, to: &out)
            if let name = s.peerName {
                out.append(" (")
                out.append(name)
                out.append(UInt8(ascii: ")"))
            }
            out.append("  ")
            EventText.appendResult(s.result, to: &out)
        case .listen(let l):
            out.append("fd ")
            out.appendDecimal(l.fd)
            out.append("  backlog ")
            out.appendDecimal(l.backlog)
            out.append("  ")
            EventText.appendResult(l.result, to: &out)
        case .close(let c):
            out.append("fd ")
            out.appendDecimal(c.fd)
            out.append("  ")
            EventText.appendFileClose(c, .shell, to: &out)
        case .socketClose(let c):
            out.append("fd ")
            out.appendDecimal(c.fd)
            out.append("  ")
            EventText.appendSocketClose(c, .shell, to: &out)
        case .dns(let d):
            out.append(EventText.dns(d))
            out.append("  ")
            out.append(d.server)
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(d.port)
            out.append(UInt8(ascii: "/"))
            out.append(d.transport.rawValue)
        }
    }

    /// ` 0644`: a mode in octal after a space, when the call had one.
    private static func appendMode(_ mode: UInt32?, to out: inout LineBuffer) {
        guard let mode else { return }
        out.append(" 0")
        out.appendOctal(mode)
    }

    /// "by the OOM killer (memory limit 64 MiB)", after a status's words.
    static func byOOMKiller(memoryLimit: UInt64?) -> String {
        EventText.byOOMKiller + (memoryLimit.map { " (memory limit \(Units.bytes($0)))" } ?? "")
    }

    static func sample(_ s: PerfSample) -> String {
        var text = "\(s.processCount) proc  cpu \(percent(s.totalCPUPercent))  rss \(Units.bytes(s.totalRSSBytes))"
        if let r = s.totalDiskReadBytesPerSecond { text += "  read \(Units.bytes(UInt64(max(0, r))))/s" }
        if let w = s.totalDiskWrittenBytesPerSecond { text += "  write \(Units.bytes(UInt64(max(0, w))))/s" }
        if let c = s.cgroup {
            text += "  cgroup cpu \(percent(c.cpuPercent))"
            if let m = c.memoryBytes { text += " mem \(Units.bytes(m))" }
        }
        let top = s.processes.prefix(3).map { "\($0.name)(\($0.processID)) \(percent($0.cpuPercent))" }
        if !top.isEmpty { text += "  top: " + top.joined(separator: ", ") }
        return text
    }

    static func profile(_ p: RunProfile) -> String {
        var text = EventText.exit(p.status) + "  wall \(Units.seconds(p.wallNanoseconds))"
        text += "  user \(Units.seconds(p.userCPUNanoseconds))  sys \(Units.seconds(p.systemCPUNanoseconds))"
        text += "  peak rss \(Units.bytes(p.peakRSSBytes))"
        if p.timedOut { text += "  timed out" }
        return text
    }

    private static func percent(_ value: Double) -> String { Units.fixed(value, 1) + "%" }

    /// A path of one call in the shell's quoting (`EventText.path`).
    static func appendPath(_ passed: CapturedString, _ absolute: ResolvedPath?, to out: inout LineBuffer) {
        EventText.appendPath(EventPath(passed: passed, absolute: absolute), .shell, to: &out)
    }

    /// An address after its family (`inet 127.0.0.1:80`, `unix /run/x.sock`) when it has one
    /// (`EventText.address`).
    static func appendAddress(_ address: SocketAddress, _ absolutePath: ResolvedPath?, to out: inout LineBuffer) {
        switch address {
        case .ipv4, .ipv6, .unix:
            out.append(address.familyName)
            out.append(UInt8(ascii: " "))
        case .other, .unreadable, .notRequested: break
        }
        EventText.appendAddress(address, absolutePath: absolutePath, .shell, to: &out)
    }

    /// The arguments, each in the shell's quoting, separated by spaces.
    static func appendArgv(_ argv: [ByteString], to out: inout LineBuffer) {
        for (index, argument) in argv.enumerated() {
            if index > 0 { out.append(UInt8(ascii: " ")) }
            out.appendShellQuoted(argument.bytes)
        }
    }
}

extension String {
    func leftPadded(_ width: Int, _ pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
