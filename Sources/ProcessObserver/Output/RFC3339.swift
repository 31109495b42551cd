import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// RFC 3339 timestamps in UTC with nanoseconds: `2025-03-01T12:34:56.123456789Z`.
enum RFC3339 {
    /// Appends the timestamp, quoted, to a JSON builder: the calendar part is computed once per
    /// second and cached, so a flood pays only for the nine fraction digits.
    static func appendQuoted(epochNanoseconds ns: Int64, to json: inout JSONBuilder) {
        var seconds = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        let prefix = cache.withLock { cached -> [UInt8] in
            if cached.seconds != seconds {
                let full = format(epochNanoseconds: seconds * 1_000_000_000)
                cached = (seconds, Array(full.utf8.prefix(20)))  // "YYYY-MM-DDTHH:MM:SS."
            }
            return cached.prefix
        }
        json.raw { bytes in
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: prefix)
        }
        json.appendDigits(UInt64(fraction), width: 9)
        json.bytes.append(UInt8(ascii: "Z"))
        json.bytes.append(UInt8(ascii: "\""))
    }

    private static let cache = Mutex<(seconds: Int64, prefix: [UInt8])>((Int64.min, []))

    /// Formats nanoseconds since the Unix epoch. Backed by `gmtime_r(3)`.
    static func format(epochNanoseconds ns: Int64) -> String {
        var seconds = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-"
            + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(Int(fraction), 9) + "Z"
    }
}
