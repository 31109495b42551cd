import ObserverReporting
import ProcessObserver

/// Per-process I/O counters (issue 18): `bytes read` and `bytes written`, each a counter track
/// under the process's track, in bytes. They rise at each `close` of a file or socket by the
/// bytes the kernel summed for it (a socket's received bytes count as read, its sent bytes as
/// written), and at the process's `exit` take the kernel's own totals (`rchar`, `wchar`), which
/// also hold what no close reported (descriptors still open at the exit of another process, I/O
/// that was never counted per file).
extension PerfettoExporter {
    /// A pair of counter tracks for every process with a close or exit totals.
    mutating func appendIOTracks(to out: inout [UInt8]) {
        for pid in report.io.countedProcessIDs.sorted() {
            for i in recordsByPID[pid] ?? [] {
                ioTotals[i] = (0, 0)
                let name = "\(report.processes[i].name) \(pid)"
                descriptor(
                    counter(
                        Self.ioReadTrack(i), parent: Self.processTrack(i), name: name + " bytes read", unit: .sizeBytes),
                    to: &out)
                descriptor(
                    counter(
                        Self.ioWriteTrack(i), parent: Self.processTrack(i), name: name + " bytes written",
                        unit: .sizeBytes), to: &out)
            }
        }
    }

    /// A close: the process's counters rise by its bytes.
    mutating func ioAdd(_ e: ObserverEvent, read: UInt64, written: UInt64, to out: inout [UInt8]) {
        guard let i = record(of: e.processID, at: e.timestampNs), let totals = ioTotals[i] else { return }
        ioTotal(e, read: totals.read &+ read, written: totals.written &+ written, to: &out)
    }

    /// The process's counters set to `read` and `written`.
    mutating func ioTotal(_ e: ObserverEvent, read: UInt64, written: UInt64, to out: inout [UInt8]) {
        guard let i = record(of: e.processID, at: e.timestampNs), ioTotals[i] != nil else { return }
        ioTotals[i] = (read, written)
        counterValue(Self.ioReadTrack(i), int: Int64(clamping: read), at: e.timestampNs, to: &out)
        counterValue(Self.ioWriteTrack(i), int: Int64(clamping: written), at: e.timestampNs, to: &out)
    }
}
