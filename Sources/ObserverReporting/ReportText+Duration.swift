extension ReportText {
    /// A short time for a syscall, three significant digits in the unit that fits: `812 ns`,
    /// `41.3 µs`, `12.0 ms`, `1.25 s`. The report's other times are seconds to the millisecond
    /// (`seconds(_:)`), too coarse for a call.
    public static func duration(_ ns: UInt64) -> String {
        if ns < 1_000 { return "\(ns) ns" }
        let (value, unit): (Double, String) =
            ns < 1_000_000
            ? (Double(ns) / 1e3, "µs") : ns < 1_000_000_000 ? (Double(ns) / 1e6, "ms") : (Double(ns) / 1e9, "s")
        let digits = value < 10 ? 2 : value < 100 ? 1 : 0
        return fixed(value, digits) + " " + unit
    }
}
