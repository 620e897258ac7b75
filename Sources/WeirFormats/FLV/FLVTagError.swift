/// A failure while parsing the body of an FLV tag or RTMP audio/video message.
public enum FLVTagError: Error, Hashable, Sendable {
    /// The body ended inside the named field.
    case truncated(String)
    /// A video frame type outside 1 through 5.
    case invalidFrameType(UInt8)
    /// An `AACPacketType` other than 0 (sequence header) or 1 (raw).
    case invalidAACPacketType(UInt8)
    /// An Enhanced RTMP `AvMultitrackType` outside 0 through 2.
    case invalidMultitrackType(UInt8)
    /// A multitrack header whose inner packet type is again multitrack.
    case nestedMultitrack
    /// A message with several tracks was given to a single-track parser.
    case multipleTracks(Int)
    /// Enhanced RTMP audio multitrack messages, which are not supported.
    case unsupportedAudioMultitrack
}
