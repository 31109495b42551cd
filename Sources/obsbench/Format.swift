#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Number formatting without Foundation: fixed decimals, with thousands kept readable.
enum Format {
    /// `value` with exactly `decimals` digits after the point.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "inf" : "-inf") }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([decimals, value]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // A tiny negative value rounds to "-0.00": drop the sign.
        return text.hasPrefix("-") && text.allSatisfy({ "-0.".contains($0) }) ? String(text.dropFirst()) : text
    }

    /// Seconds, with a precision that suits the magnitude (ms resolution is enough above 0.1 s).
    static func seconds(_ s: Double) -> String {
        if s >= 10 { return fixed(s, 2) }
        if s >= 0.1 { return fixed(s, 3) }
        return fixed(s, 4)
    }

    /// A ratio like `1.07×`.
    static func ratio(_ r: Double) -> String { fixed(r, 2) + "×" }

    /// A rate such as spawns/s or events/s, rounded to an integer with thousands separators.
    static func rate(_ r: Double) -> String { grouped(Int(r.rounded())) }

    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// Bytes as MiB with one decimal.
    static func mebibytes(_ bytes: UInt64) -> String { fixed(Double(bytes) / 1_048_576, 1) + " MiB" }

    /// Milliseconds with two decimals.
    static func milliseconds(_ ns: Double) -> String { fixed(ns / 1_000_000, 2) + " ms" }
}
