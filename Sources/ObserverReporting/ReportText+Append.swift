import ProcessObserver

/// The numbers of reports and event lines written straight into a `LineBuffer`: the one
/// implementation, which the `String` functions of `ReportText` wrap.
extension ReportText {
    /// `value` with `digits` decimals, rounded half away from zero (`fixed(_:_:)`).
    public static func appendFixed(_ value: Double, _ digits: Int, to out: inout LineBuffer) {
        guard value.isFinite else { return out.append("\(value)") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = UInt64(scaled / scale)
        let fraction = UInt64(scaled - Double(whole) * scale)
        if value < 0 && scaled > 0 { out.append(UInt8(ascii: "-")) }
        out.appendDecimal(whole)
        guard digits > 0 else { return }
        out.append(UInt8(ascii: "."))
        out.appendDecimal(fraction, zeroPaddedTo: digits)
    }

    /// 1536 → `1.5 KiB` (`bytes(_:)`).
    public static func appendBytes(_ count: UInt64, to out: inout LineBuffer) {
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < 4 {
            value /= 1024
            unit += 1
        }
        if unit == 0 {
            out.appendDecimal(count)
            return out.append(" B")
        }
        appendFixed(value, 1, to: &out)
        switch unit {
        case 1: out.append(" KiB")
        case 2: out.append(" MiB")
        case 3: out.append(" GiB")
        default: out.append(" TiB")
        }
    }

    /// 1234567 → `1,234,567` (`grouped(_:)`).
    public static func appendGrouped(_ value: Int, to out: inout LineBuffer) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = UInt64(value.magnitude)
        guard magnitude >= 1000 else { return out.appendDecimal(magnitude) }
        var divisor: UInt64 = 1
        while magnitude / divisor >= 1000 { divisor *= 1000 }
        out.appendDecimal(magnitude / divisor)
        while divisor > 1 {
            divisor /= 1000
            out.append(UInt8(ascii: ","))
            out.appendDecimal((magnitude / divisor) % 1000, zeroPaddedTo: 3)
        }
    }

    /// A short time for a syscall, three significant digits in the unit that fits
    /// (`duration(_:)`).
    public static func appendDuration(_ ns: UInt64, to out: inout LineBuffer) {
        if ns < 1_000 {
            out.appendDecimal(ns)
            return out.append(" ns")
        }
        let value: Double
        let unit: StaticString
        if ns < 1_000_000 {
            (value, unit) = (Double(ns) / 1e3, " µs")
        } else if ns < 1_000_000_000 {
            (value, unit) = (Double(ns) / 1e6, " ms")
        } else {
            (value, unit) = (Double(ns) / 1e9, " s")
        }
        appendFixed(value, value < 10 ? 2 : value < 100 ? 1 : 0, to: &out)
        out.append(unit)
    }
}
