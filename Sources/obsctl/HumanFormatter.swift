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
struct HumanFormatter {
    /// `CLOCK_MONOTONIC` when the command was started: time zero of the first column.
    let originNs: UInt64
    let colour: Bool
    /// The run's memory limit, named when the OOM killer ends a process.
    var memoryLimit: UInt64? = nil

    func line(_ event: ObserverEvent) -> String {
        let elapsed = event.timestampNs >= originNs ? event.timestampNs - originNs : 0
        let millis = elapsed / 1_000_000
        let time = "\(millis / 1000).\(String(millis % 1000).leftPadded(3, "0"))".rightAligned(9)
        var ids = String(event.processID)
        if let tid = event.threadID, tid != event.processID { ids += "/\(tid)" }
        let failed = event.kind.failed
        var detail = details(event.kind)
        if let comm = event.command { detail = "[\(Self.quote(comm.bytes))] " + detail }
        return paint(time, "2") + "  " + paint(event.category.rawValue.padded(9), Self.colour(of: event.category))
            + "  " + event.kind.name.padded(8) + "  " + ids.rightAligned(7) + "  "
            + (failed ? paint(detail, "31") : detail) + "\n"
    }

    private func paint(_ text: String, _ sgr: String) -> String {
        colour ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text
    }

    private static func colour(of category: EventCategory) -> String {
        switch category {
        case .lifecycle: "32"
        case .file: "36"
        case .network: "35"
        case .process: "33"
        }
    }

    private func details(_ kind: EventKind) -> String {
        switch kind {
        case .started(let s):
            return Self.argv(s.argv) + "  [" + Self.quote(s.path.bytes) + "]"
        case .exited(let end), .exit(let end):
            return EventText.exit(end.status)
                + (end.killedByOOM ? " " + Self.byOOMKiller(memoryLimit: memoryLimit) : "")
                + (EventText.peakRSS(end).map { "  " + $0 } ?? "")
                + (end.io.map { "  " + EventText.processIO($0) } ?? "")
        case .sample(let sample):
            return Self.sample(sample)
        case .lost(let lost):
            return EventText.lostEvents(lost)
        case .limit(let limit):
            return EventText.limit(limit)
        case .profile(let p):
            return Self.profile(p)
        case .fork(let f):
            return "child \(f.childProcessID) of \(f.parentProcessID)"
        case .syscalls(let summary):
            return EventText.syscallTotals(summary)
        case .exec(let e):
            return Self.path(e.path, e.absolutePath) + "  " + Self.argv(e.argv) + (e.argvTruncated ? " …" : "") + "  "
                + EventText.result(e.result)
        case .open(let o):
            var text = Self.path(o.path, o.absolutePath) + "  " + OpenFlags.names(of: o.flags).joined(separator: "|")
            if let mode = o.mode { text += " 0" + String(mode, radix: 8) }
            return text + "  " + EventText.result(o.result)
        case .unlink(let p), .rmdir(let p), .mkdir(let p):
            var text = Self.path(p.path, p.absolutePath)
            if let mode = p.mode { text += " 0" + String(mode, radix: 8) }
            return text + "  " + EventText.result(p.result)
        case .rename(let r):
            return Self.path(r.path, r.absolutePath) + " -> " + Self.path(r.newPath, r.newAbsolutePath) + "  "
                + EventText.result(r.result)
        case .chdir(let c), .fchdir(let c):
            let named = EventText.path(EventPath(passed: c.path, absolute: c.absolutePath), .shell)
            let target = c.path == nil ? "fd \(c.fd ?? -1)" + (c.absolutePath == nil ? "" : " " + named) : named
            return target + "  " + EventText.result(c.result)
        case .link(let l):
            return Self.path(l.path, l.absolutePath) + " => " + Self.path(l.newPath, l.newAbsolutePath) + "  "
                + EventText.result(l.result)
        case .symlink(let l):
            return Self.path(l.path, l.absolutePath) + " -> " + EventText.captured(l.target, .shell) + "  "
                + EventText.result(l.result)
        case .connect(let s), .accept(let s), .bind(let s):
            return "fd \(s.fd)  " + Self.address(s.address, s.absolutePath) + (s.peerName.map { " (" + $0 + ")" } ?? "")
                + "  " + EventText.result(s.result)
        case .listen(let l):
            return "fd \(l.fd)  backlog \(l.backlog)  " + EventText.result(l.result)
        case .close(let c):
            return "fd \(c.fd)  " + EventText.fileClose(c, .shell)
        case .socketClose(let c):
            return "fd \(c.fd)  " + EventText.socketClose(c, .shell)
        case .dns(let d):
            return EventText.dns(d) + "  " + d.server + ":\(d.port)/" + d.transport.rawValue
        }
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
    static func path(_ passed: CapturedString, _ absolute: ResolvedPath?) -> String {
        EventText.path(EventPath(passed: passed, absolute: absolute), .shell)
    }

    /// An address after its family (`inet 127.0.0.1:80`, `unix /run/x.sock`) when it has one
    /// (`EventText.address`).
    static func address(_ address: SocketAddress, _ absolutePath: ResolvedPath?) -> String {
        let text = EventText.address(address, absolutePath: absolutePath, .shell)
        switch address {
        case .ipv4, .ipv6, .unix: return address.familyName + " " + text
        case .other, .unreadable, .notRequested: return text
        }
    }

    static func argv(_ argv: [ByteString]) -> String {
        argv.map { quote($0.bytes) }.joined(separator: " ")
    }

    static func quote(_ bytes: [UInt8]) -> String { ByteString(bytes: bytes).shellQuoted }
}

extension String {
    func leftPadded(_ width: Int, _ pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
