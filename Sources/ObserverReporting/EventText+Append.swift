import ProcessObserver

/// `EventText`'s words written straight into a `LineBuffer`, for the human event line, which
/// writes one line per event without a `String` per piece. The `String` functions of
/// `EventText` wrap these, so each wording exists once.
extension EventText {
    static func appendText(_ bytes: ByteString, _ quoting: Quoting, to out: inout LineBuffer) {
        switch quoting {
        case .shell: out.appendShellQuoted(bytes.bytes)
        case .plain: out.append(bytes.string)
        }
    }

    /// `file(_:_:)`.
    public static func appendFile(_ path: EventPath, _ quoting: Quoting = .plain, to out: inout LineBuffer) {
        if let absolute = path.walkableAbsolute {
            if absolute.truncated { out.append("…/") }
            return appendText(absolute.value, quoting, to: &out)
        }
        guard let passed = path.passed else { return out.append("(unwalkable)") }
        appendCaptured(passed, quoting, to: &out)
    }

    /// `path(_:_:)`.
    public static func appendPath(_ path: EventPath, _ quoting: Quoting = .plain, to out: inout LineBuffer) {
        appendFile(path, quoting, to: &out)
        guard let absolute = path.walkableAbsolute else { return }
        if absolute.deleted { out.append(" (deleted)") }
        if absolute.outsideRoot { out.append(" (outside root)") }
        guard let passed = path.passed, !passed.unreadable, passed.truncated || passed.value != absolute.value
        else { return }
        out.append(" (")
        appendCaptured(passed, quoting, to: &out)
        out.append(UInt8(ascii: ")"))
    }

    /// `captured(_:_:)`.
    public static func appendCaptured(_ string: CapturedString, _ quoting: Quoting = .plain, to out: inout LineBuffer) {
        if string.unreadable { return out.append("(unreadable)") }
        appendText(string.value, quoting, to: &out)
        if string.truncated { out.append("…") }
    }

    /// `result(_:)`: `= 3`, `= -2 ENOENT`.
    public static func appendResult(_ result: SyscallResult, to out: inout LineBuffer) {
        out.append("= ")
        out.appendDecimal(result.rawValue)
        if let name = result.errnoName {
            out.append(UInt8(ascii: " "))
            out.append(name)
        }
    }

    /// `address(_:absolutePath:_:)`.
    public static func appendAddress(
        _ address: SocketAddress, absolutePath: ResolvedPath? = nil, _ quoting: Quoting = .plain,
        to out: inout LineBuffer
    ) {
        switch address {
        case .ipv4(let host, let port):
            out.append(host)
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(port)
        case .ipv6(let host, let port):
            out.append(UInt8(ascii: "["))
            out.append(host)
            out.append("]:")
            out.appendDecimal(port)
        case .unix(let path, false): appendPath(EventPath(passed: path, absolute: absolutePath), quoting, to: &out)
        case .unix(var name, true):
            // The decoder drops the leading NUL of an abstract name; an address built by hand may keep it.
            if name.value.bytes.first == 0 { name.value = ByteString(bytes: Array(name.value.bytes.dropFirst())) }
            out.append(UInt8(ascii: "@"))
            appendCaptured(name, quoting, to: &out)
        case .other(let family):
            out.append("af_")
            out.appendDecimal(family)
        case .unreadable: out.append("(unreadable)")
        case .notRequested: out.append("(none asked)")
        }
    }

    /// `fileClose(_:_:)`.
    public static func appendFileClose(_ close: FileClose, _ quoting: Quoting = .plain, to out: inout LineBuffer) {
        appendPath(EventPath(passed: close.path, absolute: close.absolutePath), quoting, to: &out)
        if close.reads > 0 || close.writes == 0 {
            out.append(" read ")
            ReportText.appendBytes(close.bytesRead, to: &out)
            out.append(" in ")
            appendCallCount(close.reads, "read", to: &out)
        }
        if close.writes > 0 {
            out.append(" wrote ")
            ReportText.appendBytes(close.bytesWritten, to: &out)
            out.append(" in ")
            appendCallCount(close.writes, "write", to: &out)
        }
        appendOpenTimeAndReason(close.openNs, close.closedBy, to: &out)
    }

    /// `socketClose(_:_:)`.
    public static func appendSocketClose(_ close: SocketClose, _ quoting: Quoting = .plain, to out: inout LineBuffer) {
        out.append(close.protocol)
        out.append(UInt8(ascii: " "))
        if let peer = close.peer { appendAddress(peer, quoting, to: &out) } else { out.append("(no peer)") }
        if let name = close.peerName {
            out.append(" (")
            out.append(name)
            out.append(UInt8(ascii: ")"))
        }
        out.append(" sent ")
        ReportText.appendBytes(close.bytesSent, to: &out)
        out.append(" received ")
        ReportText.appendBytes(close.bytesReceived, to: &out)
        appendOpenTimeAndReason(close.openNs, close.closedBy, to: &out)
    }

    private static func appendOpenTimeAndReason(_ openNs: UInt64?, _ reason: CloseReason, to out: inout LineBuffer) {
        if let ns = openNs {
            out.append(UInt8(ascii: " "))
            ReportText.appendDuration(ns, to: &out)
        }
        if let reason = closeReason(reason) {
            out.append(UInt8(ascii: " "))
            out.append(reason)
        }
    }

    /// `callCount(_:_:)`: `1 read`, `3 reads`, `1,024 writes`.
    static func appendCallCount(_ n: UInt64, _ noun: StaticString, to out: inout LineBuffer) {
        ReportText.appendGrouped(Int(clamping: n), to: &out)
        out.append(UInt8(ascii: " "))
        out.append(noun)
        if n != 1 { out.append(UInt8(ascii: "s")) }
    }
}
