public import WeirFormats

/// What one SRT session received and made of it, for metrics and its closing log line.
public struct SRTSessionCounters: Sendable, Equatable {
    /// SRT messages read (normally 7 TS packets each).
    public var messages: Int = 0
    public var bytes: UInt64 = 0
    /// What the session's TS publisher made of the messages.
    public var media = MPEGTSPublisher.Counters()

    public init() {}
}
