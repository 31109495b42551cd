/// `/proc/<pid>/io`: the process's I/O counters, summed over its live and exited threads.
///
/// `readBytes`/`writeBytes` are the storage layer: bytes the process caused to be fetched from
/// a block device, and bytes of page cache it dirtied for writeback (counted when dirtied, not
/// when written out, so a write to tmpfs or a pipe counts nothing). `readChars`/`writtenChars`
/// count every `read`/`write`-family byte, cache hits and pipes included.
///
/// Reading another process's `io` needs ptrace read access (`PTRACE_MODE_READ_FSCREDS`): our own
/// children qualify unless they changed credentials (setuid), in which case the open fails.
struct ProcIO: Sendable, Hashable {
    var readChars: UInt64
    var writtenChars: UInt64
    var readSyscalls: UInt64
    var writeSyscalls: UInt64
    var readBytes: UInt64
    var writeBytes: UInt64
    var cancelledWriteBytes: UInt64

    /// Parses the whole file; nil when any of the seven counters is missing or malformed.
    init?(parsing bytes: [UInt8]) {
        var values: [UInt64?] = Array(repeating: nil, count: 7)
        for (key, value) in ProcText.keyedLines(bytes) {
            let slot: Int? =
                if ProcText.equals(key, "rchar") { 0 } else if ProcText.equals(key, "wchar") {
                    1
                } else if ProcText.equals(key, "syscr") { 2 } else if ProcText.equals(key, "syscw") {
                    3
                } else if ProcText.equals(key, "read_bytes") { 4 } else if ProcText.equals(key, "write_bytes") {
                    5
                } else if ProcText.equals(key, "cancelled_write_bytes") { 6 } else { nil }
            if let slot { values[slot] = ProcText.unsigned(value) }
        }
        guard let r = values[0], let w = values[1], let sr = values[2], let sw = values[3], let rb = values[4],
            let wb = values[5], let cw = values[6]
        else { return nil }
        readChars = r
        writtenChars = w
        readSyscalls = sr
        writeSyscalls = sw
        readBytes = rb
        writeBytes = wb
        cancelledWriteBytes = cw
    }
}
