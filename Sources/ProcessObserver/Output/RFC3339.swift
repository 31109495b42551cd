import Synchronization

/// RFC 3339 timestamps in UTC with nanoseconds: `2025-03-01T12:34:56.123456789Z`.
public enum RFC3339 {
    /// Appends the timestamp, quoted, to a JSON builder: the calendar part is computed once per
    /// second and cached, so a flood pays only for the nine fraction digits.
    static func appendQuoted(epochNanoseconds ns: Int64, to json: inout JSONBuilder) {
        var seconds = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var prefix = cache.withLock { cached -> Prefix in
            if cached.seconds != seconds {
                let full = format(epochNanoseconds: seconds * 1_000_000_000)
                cached.seconds = seconds
                withUnsafeMutableBytes(of: &cached.bytes) { $0.copyBytes(from: full.utf8.prefix(Prefix.count)) }
            }
            return cached
        }
        json.beginRawValue()
        json.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: &prefix.bytes) { json.append($0.assumingMemoryBound(to: UInt8.self)) }
        json.appendDigits(UInt64(fraction), width: 9)
        json.append(UInt8(ascii: "Z"))
        json.append(UInt8(ascii: "\""))
    }

    /// The cached calendar part of one second, `YYYY-MM-DDTHH:MM:SS.`: 20 bytes held inline, so
    /// taking it from the cache copies a value and counts no reference.
    private struct Prefix {
        static let count = 20
        var seconds = Int64.min
        var bytes: (UInt64, UInt64, UInt32) = (0, 0, 0)
    }

    private static let cache = Mutex<Prefix>(Prefix())

    /// Formats nanoseconds since the Unix epoch, in the proleptic Gregorian calendar (no leap
    /// seconds, as POSIX time has none). The date comes from Howard Hinnant's `civil_from_days`,
    /// in integer arithmetic, so no libc call (and no time zone) is involved.
    public static func format(epochNanoseconds ns: Int64) -> String {
        var seconds = ns / 1_000_000_000
        var fraction = ns % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "." + pad(fraction, 9) + "Z"
    }

    /// Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
