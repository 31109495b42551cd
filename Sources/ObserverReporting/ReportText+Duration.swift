import ProcessObserver

extension ReportText {
    /// A short time for a syscall, three significant digits in the unit that fits: `812 ns`,
    /// `41.3 µs`, `12.0 ms`, `1.25 s`. The report's other times are seconds to the millisecond
    /// (`seconds(_:)`), too coarse for a call.
    public static func duration(_ ns: UInt64) -> String {
        LineBuffer.string(capacity: 32) { appendDuration(ns, to: &$0) }
    }
}
