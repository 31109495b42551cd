/// The fields of `/proc/<pid>/status` the observer reads: human-readable `Key:\tvalue` lines.
///
/// Memory lines are in kB (KiB) and converted to bytes here. They are absent for kernel threads
/// and for zombies, so they are optional. `Name` is escaped by the kernel (`\n` and `\\`), unlike
/// the raw `comm` of `stat`; it is kept as the bytes the kernel wrote.
struct ProcStatus: Sendable, Hashable {
    var name: [UInt8]
    /// The letter of `State: S (sleeping)`.
    var state: UInt8?
    var threadGroupID: Int32?
    var parentProcessID: Int32?
    var virtualMemoryPeakBytes: UInt64?
    var virtualMemoryBytes: UInt64?
    /// `VmHWM`: the peak resident set size.
    var residentPeakBytes: UInt64?
    /// `VmRSS`: the resident set size now.
    var residentBytes: UInt64?
    var threadCount: Int?

    /// Parses the whole file; nil when it has no `Name:` line (not a status file).
    init?(parsing bytes: [UInt8]) {
        var name: [UInt8]?
        for (key, value) in ProcText.keyedLines(bytes) {
            switch key.first {
            case UInt8(ascii: "N") where ProcText.equals(key, "Name"): name = Array(value)
            case UInt8(ascii: "S") where ProcText.equals(key, "State"): state = value.first
            case UInt8(ascii: "T") where ProcText.equals(key, "Tgid"):
                threadGroupID = ProcText.signed(value).flatMap(Int32.init(exactly:))
            case UInt8(ascii: "T") where ProcText.equals(key, "Threads"):
                threadCount = ProcText.unsigned(value).flatMap(Int.init(exactly:))
            case UInt8(ascii: "P") where ProcText.equals(key, "PPid"):
                parentProcessID = ProcText.signed(value).flatMap(Int32.init(exactly:))
            case UInt8(ascii: "V") where ProcText.equals(key, "VmPeak"): virtualMemoryPeakBytes = Self.kilobytes(value)
            case UInt8(ascii: "V") where ProcText.equals(key, "VmSize"): virtualMemoryBytes = Self.kilobytes(value)
            case UInt8(ascii: "V") where ProcText.equals(key, "VmHWM"): residentPeakBytes = Self.kilobytes(value)
            case UInt8(ascii: "V") where ProcText.equals(key, "VmRSS"): residentBytes = Self.kilobytes(value)
            default: break
            }
        }
        guard let name else { return nil }
        self.name = name
    }

    /// `1712 kB` → 1712 × 1024.
    private static func kilobytes(_ value: ArraySlice<UInt8>) -> UInt64? {
        let parts = ProcText.fields(value)
        guard parts.count == 2, ProcText.equals(parts[1], "kB"), let kib = ProcText.unsigned(parts[0]) else {
            return nil
        }
        let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
        return overflow ? nil : bytes
    }
}
