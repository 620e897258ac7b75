import WeirFormats

/// What one MPEG-TS session received, for its closing log line, the statistics and tests.
public struct TSSessionCounters: Sendable, Equatable {
    /// Every byte received from the source.
    public var bytesIn: UInt64 = 0
    /// UDP datagrams taken from the source (zero for TCP and HTTP).
    public var datagrams: Int = 0
    /// 188-byte transport packets the demuxer read.
    public var tsPackets: Int = 0
    /// Problems the demuxer counted and survived: continuity errors, lost sync, malformed
    /// tables and PES packets.
    public var errors: Int = 0
    public var videoPackets: Int = 0
    public var audioPackets: Int = 0
    /// Access units not published: before their track's format, malformed, for a track the
    /// route did not declare, or of a stream type Weir does not package.
    public var dropped: Int = 0
    /// Timestamp jumps reported to the bus.
    public var discontinuities: Int = 0

    public init() {}

    /// Takes the media counts from the session's TS publisher.
    mutating func update(from published: MPEGTSPublisher.Counters) {
        tsPackets = published.tsPackets
        errors = published.errors
        videoPackets = published.videoPackets
        audioPackets = published.audioPackets
        dropped = published.dropped
        discontinuities = published.discontinuities
    }

    static func + (lhs: TSSessionCounters, rhs: TSSessionCounters) -> TSSessionCounters {
        var sum = lhs
        sum.bytesIn &+= rhs.bytesIn
        sum.datagrams &+= rhs.datagrams
        sum.tsPackets &+= rhs.tsPackets
        sum.errors &+= rhs.errors
        sum.videoPackets &+= rhs.videoPackets
        sum.audioPackets &+= rhs.audioPackets
        sum.dropped &+= rhs.dropped
        sum.discontinuities &+= rhs.discontinuities
        return sum
    }
}
