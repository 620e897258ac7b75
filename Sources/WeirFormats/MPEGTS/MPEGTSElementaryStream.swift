public import WeirCore

/// One elementary stream of a program, as its program map lists it.
public struct MPEGTSElementaryStream: Hashable, Sendable {
    /// The 13-bit packet identifier carrying the stream.
    public var pid: UInt16
    /// The `stream_type` from the program map.
    public var streamType: MPEGTSStreamType

    /// Creates a stream description.
    ///
    /// - Parameters:
    ///   - pid: The packet identifier, 0x0010 through 0x1FFE.
    ///   - streamType: The stream type.
    public init(pid: UInt16, streamType: MPEGTSStreamType) {
        self.pid = pid & 0x1FFF
        self.streamType = streamType
    }

    /// The codec Weir packages from the stream, nil when it is skipped.
    public var codec: Codec? {
        streamType.codec
    }
}
