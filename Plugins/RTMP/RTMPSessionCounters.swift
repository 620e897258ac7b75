/// What one RTMP session received, for its closing log line and for tests.
public struct RTMPSessionCounters: Sendable, Equatable {
    /// Every byte read from the socket, handshake included.
    public var bytesIn: UInt64 = 0
    /// Reassembled RTMP messages.
    public var messages: Int = 0
    public var videoPackets: Int = 0
    public var audioPackets: Int = 0
    /// Media messages not published: before their track's sequence header, malformed, for a
    /// track the route did not declare, or of an unsupported audio codec.
    public var dropped: Int = 0
    /// Video frames moved one tick later because their decode time did not increase.
    public var adjustedTimestamps: Int = 0
    /// Timestamp jumps reported to the bus.
    public var discontinuities: Int = 0

    public init() {}
}
