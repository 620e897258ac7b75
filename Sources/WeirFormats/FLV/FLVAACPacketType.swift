/// What an AAC audio tag's payload holds (`AACPacketType`).
public enum FLVAACPacketType: UInt8, Sendable, Hashable {
    /// An AudioSpecificConfig.
    case sequenceHeader = 0
    /// One raw AAC frame.
    case raw = 1
}
