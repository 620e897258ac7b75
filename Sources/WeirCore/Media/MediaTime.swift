/// A point or span on a media timeline: integer ticks with an explicit timescale.
///
/// This is the one timestamp type of Weir. Video tracks count 90 kHz ticks, audio tracks count
/// samples (timescale = sample rate), RTMP's wire clock counts milliseconds. Conversions round
/// toward negative infinity so that a converted time never lands after the instant it names.
///
/// Timescales are positive. A timescale that comes from the network (a sample rate in an
/// AudioSpecificConfig) is checked where it enters, by ``TrackFormat/validated()`` on the stream
/// bus; arithmetic here never traps, and treats a non-positive timescale as naming time zero.
public struct MediaTime: Sendable, Hashable {
    public var ticks: Int64
    public var timescale: Int32

    public init(ticks: Int64, timescale: Int32) {
        self.ticks = ticks
        self.timescale = timescale
    }

    public static func zero(_ timescale: Int32) -> MediaTime { MediaTime(ticks: 0, timescale: timescale) }

    /// The same instant expressed in another timescale.
    public func converted(to newScale: Int32) -> MediaTime {
        MediaTime(ticks: Self.rescale(ticks, from: timescale, to: newScale), timescale: newScale)
    }

    /// Microseconds, for logs and wall-clock arithmetic.
    public var microseconds: Int64 { Self.rescale(ticks, from: timescale, to: 1_000_000) }

    /// Milliseconds, for logs and wall-clock arithmetic.
    public var milliseconds: Int64 { Self.rescale(ticks, from: timescale, to: 1_000) }

    /// Seconds as a decimal for rendering in manifests only; never used in media arithmetic.
    public var secondsForDisplay: Double { Double(ticks) / Double(timescale) }

    /// Rescales `value` between timescales without overflowing for any realistic media time.
    public static func rescale(_ value: Int64, from: Int32, to: Int32) -> Int64 {
        if from == to { return value }
        guard from > 0, to > 0 else { return 0 }
        let (product, overflow) = value.multipliedReportingOverflow(by: Int64(to))
        if !overflow {
            return floorDiv(product, Int64(from))
        }
        // Split to keep precision for huge values (years of 90 kHz ticks).
        let whole = floorDiv(value, Int64(from))
        let remainder = value - whole * Int64(from)
        return whole &* Int64(to) &+ floorDiv(remainder * Int64(to), Int64(from))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

extension MediaTime: Comparable {
    public static func < (lhs: MediaTime, rhs: MediaTime) -> Bool {
        if lhs.timescale == rhs.timescale { return lhs.ticks < rhs.ticks }
        return lhs.ticks.multipliedFullWidth(by: Int64(rhs.timescale)) < rhs.ticks.multipliedFullWidth(by: Int64(lhs.timescale))
    }

    public static func == (lhs: MediaTime, rhs: MediaTime) -> Bool {
        if lhs.timescale == rhs.timescale { return lhs.ticks == rhs.ticks }
        return lhs.ticks.multipliedFullWidth(by: Int64(rhs.timescale)) == rhs.ticks.multipliedFullWidth(by: Int64(lhs.timescale))
    }

    public func hash(into hasher: inout Hasher) {
        // Equal instants in different timescales must hash alike: hash the microsecond value.
        hasher.combine(microseconds)
    }
}

extension MediaTime {
    public static func + (lhs: MediaTime, rhs: MediaTime) -> MediaTime {
        MediaTime(ticks: lhs.ticks + rhs.converted(to: lhs.timescale).ticks, timescale: lhs.timescale)
    }

    public static func - (lhs: MediaTime, rhs: MediaTime) -> MediaTime {
        MediaTime(ticks: lhs.ticks - rhs.converted(to: lhs.timescale).ticks, timescale: lhs.timescale)
    }
}

extension MediaTime: CustomStringConvertible {
    public var description: String { "\(ticks)/\(timescale)" }
}
