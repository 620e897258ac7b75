import WeirCore

/// One time base of a program: a shared normaliser that unwraps its 33-bit timestamps, and
/// the offset that places them on the stream's timeline.
struct MPEGTSTimeline: Sendable {
    private var normalizer = TimestampNormalizer(wrapBits: 33, timescale: 90_000)
    private var offset: Int64
    /// The last wire timestamp mapped.
    private(set) var lastRaw: Int64

    /// Starts a time base whose timestamp `raw` lands at `time`.
    ///
    /// - Parameters:
    ///   - raw: The first 33-bit timestamp.
    ///   - time: Where it lands on the stream's timeline, in 90 kHz ticks.
    init(raw: Int64, at time: Int64) {
        let first = normalizer.normalize(raw).time.ticks
        offset = time - first
        lastRaw = raw
    }

    /// Whether `raw` is within `tolerance` ticks of the last timestamp, either way round the wrap.
    func isNear(_ raw: Int64, tolerance: Int64) -> Bool {
        abs(MPEGTSTimestamp.difference(raw, lastRaw)) <= tolerance
    }

    /// Maps a timestamp of this time base.
    ///
    /// - Parameters:
    ///   - raw: A 33-bit timestamp.
    /// - Returns: The time in 90 kHz ticks, and whether the normaliser saw a jump and rebased.
    mutating func map(_ raw: Int64) -> (time: Int64, jumped: Bool) {
        let result = normalizer.normalize(raw)
        lastRaw = raw
        return (result.time.ticks + offset, result.discontinuity)
    }
}
