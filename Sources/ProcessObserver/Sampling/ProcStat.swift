/// The fields of `/proc/<pid>/stat` the sampler uses, parsed from its one line.
///
/// The line is `pid (comm) state ppid …` where `comm` is the task name verbatim: it may contain
/// spaces, parentheses and `) ` itself (a program can name itself `a) b (c` with `prctl`). The
/// kernel writes nothing after `comm` that contains `)`, so the name ends at the LAST `)` and the
/// numbered fields (proc(5): field 3 `state` onwards) are split on spaces after it.
///
/// Times are in clock ticks (`sysconf(_SC_CLK_TCK)`); `startTime` counts ticks since boot on
/// `CLOCK_BOOTTIME`; `residentPages` is in pages.
struct ProcStat: Sendable, Hashable {
    var processID: Int32
    /// The task name, raw bytes (at most 15 of them; not NUL-terminated).
    var command: [UInt8]
    /// One letter: R running, S sleeping, D disk sleep, Z zombie, T stopped, t traced, X dead, I idle.
    var state: UInt8
    var parentProcessID: Int32
    var processGroupID: Int32
    var sessionID: Int32
    var minorFaults: UInt64
    var majorFaults: UInt64
    /// User and system CPU time of all the process's threads, in ticks.
    var userTicks: UInt64
    var systemTicks: UInt64
    /// CPU time of the waited-for children, in ticks (signed in the kernel's format).
    var childrenUserTicks: Int64
    var childrenSystemTicks: Int64
    var threadCount: Int64
    /// Start time in ticks after boot: with the pid, it names one process for its whole life,
    /// which is how a reused pid is told apart.
    var startTime: UInt64
    var virtualMemoryBytes: UInt64
    var residentPages: Int64

    /// Zombie (`Z`) or dead (`X`): exited, not yet reaped, holds no memory and runs no more.
    var hasExited: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }

    /// Parses one `stat` line; nil when the text is not one (truncated, or fields missing).
    init?(parsing bytes: [UInt8]) {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
            let close = bytes.lastIndex(of: UInt8(ascii: ")")), open < close,
            let pid = ProcText.signed(bytes[..<open].drop { ProcText.isSpace($0) }.prefix { !ProcText.isSpace($0) }),
            let pid32 = Int32(exactly: pid)
        else { return nil }
        // Fields after ")" start at proc(5)'s field 3; fields[i] is field i + 3.
        let fields = ProcText.fields(bytes[(close + 1)...])
        guard fields.count >= 22, fields[0].count == 1,
            let ppid = ProcText.signed(fields[1]).flatMap(Int32.init(exactly:)),
            let pgrp = ProcText.signed(fields[2]).flatMap(Int32.init(exactly:)),
            let session = ProcText.signed(fields[3]).flatMap(Int32.init(exactly:)),
            let minflt = ProcText.unsigned(fields[7]),
            let majflt = ProcText.unsigned(fields[9]),
            let utime = ProcText.unsigned(fields[11]),
            let stime = ProcText.unsigned(fields[12]),
            let cutime = ProcText.signed(fields[13]),
            let cstime = ProcText.signed(fields[14]),
            let threads = ProcText.signed(fields[17]),
            let start = ProcText.unsigned(fields[19]),
            let vsize = ProcText.unsigned(fields[20]),
            let rss = ProcText.signed(fields[21])
        else { return nil }
        self.processID = pid32
        self.command = Array(bytes[(open + 1)..<close])
        self.state = fields[0].first!
        self.parentProcessID = ppid
        self.processGroupID = pgrp
        self.sessionID = session
        self.minorFaults = minflt
        self.majorFaults = majflt
        self.userTicks = utime
        self.systemTicks = stime
        self.childrenUserTicks = cutime
        self.childrenSystemTicks = cstime
        self.threadCount = threads
        self.startTime = start
        self.virtualMemoryBytes = vsize
        self.residentPages = rss
    }
}
