/// What a video tag's payload holds.
///
/// Legacy `AVCPacketType` and Enhanced RTMP `VideoPacketType` are mapped onto
/// the same cases; Enhanced `CodedFramesX` becomes ``codedFrames`` with a zero
/// composition time.
public enum FLVVideoPacketType: Sendable, Hashable {
    /// A decoder configuration record (avcC, hvcC, av1C, vpcC).
    case sequenceHeader
    /// Coded pictures.
    case codedFrames
    /// The end of the sequence; no payload.
    case endOfSequence
    /// AMF-encoded metadata such as `colorInfo`.
    case metadata
    /// Any other packet type, by its raw value.
    case other(UInt8)
}
