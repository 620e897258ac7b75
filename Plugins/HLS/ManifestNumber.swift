import WeirCore

/// Decimal numbers as playlists write them, with integer arithmetic only.
enum ManifestNumber {
    /// Appends `millis` as seconds with three decimals, e.g. `2.000` or `0.202`.
    static func appendSeconds(millis: Int64, to out: inout String) {
        let value = max(0, millis)
        out += String(value / 1_000)
        out += "."
        let fraction = value % 1_000
        if fraction < 100 { out += "0" }
        if fraction < 10 { out += "0" }
        out += String(fraction)
    }

    /// The duration in milliseconds, rounded to the nearest (halves up), never negative.
    static func roundedMillis(_ time: MediaTime) -> Int64 {
        (max(0, time.microseconds) + 500) / 1_000
    }

    /// The duration in milliseconds, rounded up, so that a target written with it is never
    /// shorter than the exact value.
    static func ceilingMillis(_ time: MediaTime) -> Int64 {
        guard time.ticks > 0 else { return 0 }
        let floor = MediaTime.rescale(time.ticks, from: time.timescale, to: 1_000)
        let back = MediaTime.rescale(floor, from: 1_000, to: time.timescale)
        return back < time.ticks ? floor + 1 : floor
    }

    /// Bits per second of `bytes` over `micros`, saturating instead of overflowing.
    static func bitrate(bytes: Int64, micros: Int64) -> Int64 {
        guard micros > 0, bytes > 0 else { return 0 }
        let (bits, overflow) = bytes.multipliedReportingOverflow(by: 8_000_000)
        return overflow ? Int64.max / 4 : bits / micros
    }
}
