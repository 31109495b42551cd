import ObserverReporting
import ProcessObserver

@testable import obsctl

// The human line as `HumanFormatter` wrote it before it wrote into a `LineBuffer` (f556e51):
// String by String, with the quoting, paths, closes and numbers of that commit copied here too,
// so that `HumanLineWriterTests` compares the byte writer against an oracle that shares none of
// its code. Only the kinds' rare parts that did not change (samples, the profile, exit statuses,
// syscall totals) are taken from the sources. Doc comments are left out: the sources say why.

struct ReferenceHumanFormatter {
    let originNs: UInt64
    let colour: Bool
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
        if let ns = event.durationNs, ns >= Self.slowCallNs { detail += "  <\(Self.callTime(ns))>" }
        return paint(time, "2") + "  " + paint(event.category.rawValue.padded(9), Self.colour(of: event.category))
            + "  " + event.kind.name.padded(8) + "  " + ids.rightAligned(7) + "  "
            + (failed ? paint(detail, "31") : detail) + "\n"
    }

    static let slowCallNs: UInt64 = 1_000_000

    static func callTime(_ ns: UInt64) -> String {
        let micros = ns / 1000
        return "\(micros / 1_000_000)." + String(micros % 1_000_000).leftPadded(6, "0") + "s"
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
                + (end.killedByOOM ? " " + HumanFormatter.byOOMKiller(memoryLimit: memoryLimit) : "")
                + (ReferenceText.peakRSS(end).map { "  " + $0 } ?? "")
                + (end.io.map { "  " + ReferenceText.processIO($0) } ?? "")
        case .sample(let sample):
            return HumanFormatter.sample(sample)
        case .lost(let lost):
            return EventText.lostEvents(lost)
        case .limit(let limit):
            return ReferenceText.limit(limit)
        case .profile(let p):
            return HumanFormatter.profile(p)
        case .fork(let f):
            return "child \(f.childProcessID) of \(f.parentProcessID)"
        case .syscalls(let summary):
            return EventText.syscallTotals(summary)
        case .exec(let e):
            return Self.path(e.path, e.absolutePath) + "  " + Self.argv(e.argv) + (e.argvTruncated ? " …" : "") + "  "
                + ReferenceText.result(e.result)
        case .open(let o):
            var text = Self.path(o.path, o.absolutePath) + "  " + OpenFlags.names(of: o.flags).joined(separator: "|")
            if let mode = o.mode { text += " 0" + String(mode, radix: 8) }
            return text + "  " + ReferenceText.result(o.result)
        case .unlink(let p), .rmdir(let p), .mkdir(let p):
            var text = Self.path(p.path, p.absolutePath)
            if let mode = p.mode { text += " 0" + String(mode, radix: 8) }
            return text + "  " + ReferenceText.result(p.result)
        case .rename(let r):
            return Self.path(r.path, r.absolutePath) + " -> " + Self.path(r.newPath, r.newAbsolutePath) + "  "
                + ReferenceText.result(r.result)
        case .chdir(let c), .fchdir(let c):
            let named = ReferenceText.path(EventPath(passed: c.path, absolute: c.absolutePath), .shell)
            let target = c.path == nil ? "fd \(c.fd ?? -1)" + (c.absolutePath == nil ? "" : " " + named) : named
            return target + "  " + ReferenceText.result(c.result)
        case .link(let l):
            return Self.path(l.path, l.absolutePath) + " => " + Self.path(l.newPath, l.newAbsolutePath) + "  "
                + ReferenceText.result(l.result)
        case .symlink(let l):
            return Self.path(l.path, l.absolutePath) + " -> " + ReferenceText.captured(l.target, .shell) + "  "
                + ReferenceText.result(l.result)
        case .connect(let s), .accept(let s), .bind(let s):
            return "fd \(s.fd)  " + Self.address(s.address, s.absolutePath) + (s.peerName.map { " (" + $0 + ")" } ?? "")
                + "  " + ReferenceText.result(s.result)
        case .listen(let l):
            return "fd \(l.fd)  backlog \(l.backlog)  " + ReferenceText.result(l.result)
        case .close(let c):
            return "fd \(c.fd)  " + ReferenceText.fileClose(c, .shell)
        case .socketClose(let c):
            return "fd \(c.fd)  " + ReferenceText.socketClose(c, .shell)
        case .dns(let d):
            return ReferenceText.dns(d) + "  " + d.server + ":\(d.port)/" + d.transport.rawValue
        }
    }

    static func path(_ passed: CapturedString, _ absolute: ResolvedPath?) -> String {
        ReferenceText.path(EventPath(passed: passed, absolute: absolute), .shell)
    }

    static func address(_ address: SocketAddress, _ absolutePath: ResolvedPath?) -> String {
        let text = ReferenceText.address(address, absolutePath: absolutePath, .shell)
        switch address {
        case .ipv4, .ipv6, .unix: return address.familyName + " " + text
        case .other, .unreadable, .notRequested: return text
        }
    }

    static func argv(_ argv: [ByteString]) -> String {
        argv.map { quote($0.bytes) }.joined(separator: " ")
    }

    static func quote(_ bytes: [UInt8]) -> String { ReferenceText.shellQuoted(bytes) }
}

enum ReferenceText {
    typealias Quoting = EventText.Quoting

    static func text(_ bytes: ByteString, _ quoting: Quoting) -> String {
        switch quoting {
        case .shell: shellQuoted(bytes.bytes)
        case .plain: bytes.string
        }
    }

    static func file(_ path: EventPath, _ quoting: Quoting = .plain) -> String {
        if let absolute = path.walkableAbsolute {
            return (absolute.truncated ? "…/" : "") + text(absolute.value, quoting)
        }
        guard let passed = path.passed else { return "(unwalkable)" }
        return captured(passed, quoting)
    }

    static func path(_ path: EventPath, _ quoting: Quoting = .plain) -> String {
        guard let absolute = path.walkableAbsolute else { return file(path, quoting) }
        var shown = file(path, quoting)
        if absolute.deleted { shown += " (deleted)" }
        if absolute.outsideRoot { shown += " (outside root)" }
        guard let passed = path.passed, !passed.unreadable, passed.value != absolute.value || passed.truncated
        else { return shown }
        return shown + " (" + captured(passed, quoting) + ")"
    }

    static func captured(_ string: CapturedString, _ quoting: Quoting = .plain) -> String {
        if string.unreadable { return "(unreadable)" }
        return text(string.value, quoting) + (string.truncated ? "…" : "")
    }

    static func result(_ result: SyscallResult) -> String {
        if let name = result.errnoName { return "= \(result.rawValue) \(name)" }
        return "= \(result.rawValue)"
    }

    static func address(
        _ address: SocketAddress, absolutePath: ResolvedPath? = nil, _ quoting: Quoting = .plain
    ) -> String {
        switch address {
        case .ipv4(let host, let port): return "\(host):\(port)"
        case .ipv6(let host, let port): return "[\(host)]:\(port)"
        case .unix(let path, false): return self.path(EventPath(passed: path, absolute: absolutePath), quoting)
        case .unix(var name, true):
            // The decoder drops the leading NUL of an abstract name; an address built by hand may keep it.
            if name.value.bytes.first == 0 { name.value = ByteString(bytes: Array(name.value.bytes.dropFirst())) }
            return "@" + captured(name, quoting)
        case .other(let family): return "af_\(family)"
        case .unreadable: return "(unreadable)"
        case .notRequested: return "(none asked)"
        }
    }

    static func peakRSS(_ end: ProcessEnd) -> String? {
        guard let peak = end.peakRSSBytes else { return nil }
        var text = "peak rss " + bytes(peak)
        if end.peakRSSIncludesPreExec == true, let image = end.imagePeakRSSBytes {
            text += " (" + bytes(image) + " " + EventText.sinceExec + ")"
        }
        return text
    }

    static func fileClose(_ close: FileClose, _ quoting: Quoting = .plain) -> String {
        var parts = [path(EventPath(passed: close.path, absolute: close.absolutePath), quoting)]
        if close.reads > 0 || close.writes == 0 {
            parts.append("read " + bytes(close.bytesRead) + " in " + callCount(close.reads, "read"))
        }
        if close.writes > 0 {
            parts.append("wrote " + bytes(close.bytesWritten) + " in " + callCount(close.writes, "write"))
        }
        if let ns = close.openNs { parts.append(duration(ns)) }
        if let reason = closeReason(close.closedBy) { parts.append(reason) }
        return parts.joined(separator: " ")
    }

    static func socketClose(_ close: SocketClose, _ quoting: Quoting = .plain) -> String {
        var parts = [close.protocol, peer(close, quoting)]
        if let name = close.peerName { parts.append("(" + name + ")") }
        parts.append("sent " + bytes(close.bytesSent))
        parts.append("received " + bytes(close.bytesReceived))
        if let ns = close.openNs { parts.append(duration(ns)) }
        if let reason = closeReason(close.closedBy) { parts.append(reason) }
        return parts.joined(separator: " ")
    }

    static func peer(_ close: SocketClose, _ quoting: Quoting = .plain) -> String {
        close.peer.map { address($0, quoting) } ?? "(no peer)"
    }

    static func dns(_ exchange: DNSExchange) -> String {
        var parts = [exchange.queryType, exchange.query]
        if !exchange.answers.isEmpty { parts.append("→ " + exchange.answers.map(\.value).joined(separator: ", ")) }
        if let rcode = exchange.responseCode { parts.append(rcode) }
        if exchange.timedOut { parts.append(EventText.noAnswer) }
        if let ns = exchange.latencyNs { parts.append(duration(ns)) }
        return parts.joined(separator: " ")
    }

    static func callCount(_ n: UInt64, _ noun: String) -> String {
        grouped(Int(clamping: n)) + " " + noun + (n == 1 ? "" : "s")
    }

    static func closeReason(_ reason: CloseReason) -> String? {
        switch reason {
        case .close, .closeRange: nil
        case .exec: "at exec"
        case .exit: "at exit"
        }
    }

    static func processIO(_ io: ProcessIO) -> String {
        var text =
            "read " + bytes(io.readChars) + " in " + callCount(io.readCalls, "call") + ", wrote "
            + bytes(io.writtenChars) + " in " + callCount(io.writeCalls, "call") + ", storage "
            + bytes(io.readBytes) + " read " + bytes(io.writeBytes) + " written"
        if io.usesIOUring { text += ", " + EventText.usesIOUring }
        return text
    }

    static func shellQuoted(_ bytes: [UInt8]) -> String {
        let safe = safeBytes
        if !bytes.isEmpty, bytes.allSatisfy(safe.contains) { return String(decoding: bytes, as: UTF8.self) }
        if let text = String(validating: bytes, as: UTF8.self), !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "'" + text.replacing("'", with: "'\\''") + "'"
        }
        var out = "$'"
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case UInt8(ascii: "'"): out += "\\'"
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out += String(UnicodeScalar(b))
            case 0x80...:
                // Keep valid multi-byte sequences readable; escape the bytes of invalid ones.
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                if length > 1, i + length <= bytes.count,
                    let scalar = String(validating: bytes[i..<i + length], as: UTF8.self)
                {
                    out += scalar
                    i += length
                    continue
                }
                out += hexEscape(b)
            default: out += hexEscape(b)
            }
            i += 1
        }
        return out + "'"
    }

    static let safeBytes = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-".utf8)

    static func hexEscape(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16)
        return "\\x" + (hex.count < 2 ? "0" + hex : hex)
    }

    static func limit(_ limit: LimitReached) -> String {
        switch limit.resource {
        case .memory:
            "the OOM killer ended \(limit.count) process\(limit.count == 1 ? "" : "es") (memory limit \(bytes(limit.limit)))"
        case .pids: "\(limit.count) fork\(limit.count == 1 ? "" : "s") refused (process limit \(limit.limit))"
        }
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = UInt64(scaled / scale)
        let fraction = UInt64(scaled - Double(whole) * scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let f = String(fraction)
        return sign + String(whole) + "." + String(repeating: "0", count: max(0, digits - f.count)) + f
    }

    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : fixed(value, 1) + " " + units[unit]
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func duration(_ ns: UInt64) -> String {
        if ns < 1_000 { return "\(ns) ns" }
        let (value, unit): (Double, String) =
            ns < 1_000_000
            ? (Double(ns) / 1e3, "µs") : ns < 1_000_000_000 ? (Double(ns) / 1e6, "ms") : (Double(ns) / 1e9, "s")
        let digits = value < 10 ? 2 : value < 100 ? 1 : 0
        return fixed(value, digits) + " " + unit
    }
}
