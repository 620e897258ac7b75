/// `EXT-X-PROGRAM-DATE-TIME` values: ISO 8601 in UTC with milliseconds.
enum ProgramDateTime {
    /// Appends e.g. `2026-11-22T03:10:02.123Z` for a time in milliseconds since 1970.
    ///
    /// The calendar arithmetic is the proleptic Gregorian days-to-civil conversion, done in
    /// integers so that rendering a playlist needs no date formatter.
    static func append(millisecondsSince1970 value: Int64, to out: inout String) {
        let clamped = min(max(0, value), 253_402_300_799_999)  // 9999-12-31T23:59:59.999Z
        let days = clamped / 86_400_000
        let ofDay = clamped % 86_400_000
        let (year, month, day) = civil(daysSince1970: days)
        pad(year, 4, &out)
        out += "-"
        pad(month, 2, &out)
        out += "-"
        pad(day, 2, &out)
        out += "T"
        pad(ofDay / 3_600_000, 2, &out)
        out += ":"
        pad(ofDay / 60_000 % 60, 2, &out)
        out += ":"
        pad(ofDay / 1_000 % 60, 2, &out)
        out += "."
        pad(ofDay % 1_000, 3, &out)
        out += "Z"
    }

    static func string(millisecondsSince1970 value: Int64) -> String {
        var out = ""
        append(millisecondsSince1970: value, to: &out)
        return out
    }

    private static func civil(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSince1970 + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int, _ out: inout String) {
        let digits = String(value)
        if digits.utf8.count < width { out += String(repeating: "0", count: width - digits.utf8.count) }
        out += digits
    }
}
