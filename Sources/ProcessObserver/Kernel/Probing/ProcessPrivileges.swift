/// The capabilities that decide whether this process may load eBPF programs, read from the
/// `CapEff:` line of `/proc/self/status`.
struct ProcessPrivileges: Hashable, Sendable {
    /// The effective capability set, bit n = capability n.
    var effective: UInt64

    static let capSysAdmin = 21
    static let capPerfmon = 38
    static let capBPF = 39

    func has(_ capability: Int) -> Bool { effective & (1 << UInt64(capability)) != 0 }

    /// CAP_BPF with CAP_PERFMON loads tracing programs (Linux 5.8+); CAP_SYS_ADMIN covers both.
    var canLoadTracing: Bool { (has(Self.capBPF) && has(Self.capPerfmon)) || has(Self.capSysAdmin) }

    /// Parses the text of `/proc/<pid>/status`; nil when it has no well-formed `CapEff:` line.
    static func parse(status: String) -> ProcessPrivileges? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingWhitespace()
            guard let value = UInt64(hex, radix: 16) else { return nil }
            return ProcessPrivileges(effective: value)
        }
        return nil
    }

    /// This process's privileges; nil when /proc/self/status cannot be read.
    static func current() -> ProcessPrivileges? {
        guard let text = ProcFS.readText("/proc/self/status") else { return nil }
        return parse(status: text)
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s = s.dropLast() }
        return s
    }
}
