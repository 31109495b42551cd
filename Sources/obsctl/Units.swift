/// Number formatting for human output, without Foundation.
enum Units {
    /// `value` with `digits` decimals, rounded half away from zero.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = UInt64(scaled / scale)
        let fraction = UInt64(scaled - Double(whole) * scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        return sign + String(whole) + "." + String(fraction).leftPadded(digits, "0")
    }

    /// 1536 → "1.5 KiB".
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

    /// Nanoseconds as seconds with millisecond precision: "1.234s".
    static func seconds(_ ns: UInt64) -> String {
        let millis = (ns + 500_000) / 1_000_000
        return "\(millis / 1000).\(String(millis % 1000).leftPadded(3, "0"))s"
    }
}
