extension RFC3339 {
    /// Nanoseconds since the Unix epoch of `2025-03-01T12:34:56.123456789Z`: the inverse of
    /// `format`, for the `time` member of a recording. Accepts 0 to 9 fraction digits, and `Z`
    /// (what `EventJSON` writes is always UTC) or an offset `+01:00` (a time a person types);
    /// nil for anything else.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        let utf8 = Array(text.utf8)
        if utf8.count > 6, utf8[utf8.count - 3] == UInt8(ascii: ":"),
            utf8[utf8.count - 6] == UInt8(ascii: "+") || utf8[utf8.count - 6] == UInt8(ascii: "-"),
            let hours = Int64(String(decoding: utf8[(utf8.count - 5)..<(utf8.count - 3)], as: UTF8.self)),
            let minutes = Int64(String(decoding: utf8[(utf8.count - 2)...], as: UTF8.self)), hours < 24, minutes < 60
        {
            // The local time less its offset is UTC.
            var utc = String(decoding: utf8[..<(utf8.count - 6)], as: UTF8.self) + "Z"
            let sign: Int64 = utf8[utf8.count - 6] == UInt8(ascii: "+") ? 1 : -1
            guard let local = utc.withUTF8({ parse(utf8: $0) }) else { return nil }
            return local - sign * (hours * 3600 + minutes * 60) * 1_000_000_000
        }
        return text.withUTF8 { parse(utf8: $0) }
    }

    static func parse(utf8 b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[b.count - 1] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                let d = b[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction: Int64 = 0
        let end = b.count - 1
        if end > 19 {
            guard b[19] == UInt8(ascii: "."), end - 20 >= 1, end - 20 <= 9, let digits = number(20..<end) else {
                return nil
            }
            fraction = digits
            for _ in 0..<(9 - (end - 20)) { fraction *= 10 }
        }
        let days = days(fromCivil: year, month, day)
        return ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000_000) + fraction
    }

    /// Days from 1970-01-01 to the given date: Howard Hinnant's `days_from_civil`, the inverse of
    /// `civil(fromDays:)`.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
