import WeirFormats

/// What one SRT session received and made of it, for metrics and its closing log line.
public struct SRTSessionCounters: Sendable, Equatable {
    /// SRT messages read (normally 7 TS packets each).
    public var messages: Int = 0
    public var bytes: UInt64 = 0
    public var videoPackets: Int = 0
    public var audioPackets: Int = 0
    /// Timestamp jumps reported to the bus.
    public var discontinuities: Int = 0
    /// Transport-stream problems the demuxer survived (continuity errors, lost sync, bad PES).
    public var transportErrors: Int = 0
    /// Frames not published: before their format or the first keyframe, untimed or malformed.
    public var droppedFrames: Int = 0

    public init() {}

    /// Takes the media counts from the session's TS publisher.
    mutating func update(from published: MPEGTSPublisher.Counters) {
        videoPackets = published.videoPackets
        audioPackets = published.audioPackets
        discontinuities = published.discontinuities
        transportErrors = published.errors
        droppedFrames = published.dropped
    }
}
