public import WeirFormats

/// What one MPEG-TS session received, for its closing log line, the statistics and tests.
public struct TSSessionCounters: Sendable, Equatable {
    /// Every byte received from the source.
    public var bytesIn: UInt64 = 0
    /// UDP datagrams taken from the source (zero for TCP and HTTP).
    public var datagrams: Int = 0
    /// What the session's TS publisher made of the bytes: packets, frames, errors it survived,
    /// frames it did not publish.
    public var media = MPEGTSPublisher.Counters()

    public init() {}

    static func + (lhs: TSSessionCounters, rhs: TSSessionCounters) -> TSSessionCounters {
        var sum = lhs
        sum.bytesIn &+= rhs.bytesIn
        sum.datagrams &+= rhs.datagrams
        sum.media = lhs.media + rhs.media
        return sum
    }
}
