public import NIOCore

/// The parsed body of an FLV audio tag, which is also the body of an RTMP audio message.
///
/// Handles the legacy header (FLV specification, Annex E) and single-track
/// Enhanced RTMP audio (`SoundFormat` 9 with a FourCC). The payload is a slice
/// of the input: an AudioSpecificConfig or a raw frame for AAC.
public struct FLVAudioTag: Sendable, Equatable {
    /// The legacy `SoundFormat`: 2 MP3, 10 AAC, 11 Speex, 9 for the Enhanced header, …
    public let soundFormat: UInt8
    /// The 2-bit `SoundRate` (0 5.5 kHz, 1 11 kHz, 2 22 kHz, 3 44 kHz); not meaningful when enhanced.
    public let soundRate: UInt8
    /// The `SoundSize` bit (0 8-bit, 1 16-bit); not meaningful when enhanced.
    public let soundSize: UInt8
    /// The `SoundType` bit (0 mono, 1 stereo); not meaningful when enhanced.
    public let soundType: UInt8
    /// The AAC packet type for AAC audio, nil for other codecs and for other Enhanced packet types.
    public let aacPacketType: FLVAACPacketType?
    /// Whether the tag used the Enhanced RTMP header.
    public let isEnhanced: Bool
    /// The Enhanced RTMP FourCC packed big-endian (`mp4a`, `Opus`, …), nil for legacy tags.
    public let fourCC: UInt32?
    /// The raw Enhanced RTMP `AudioPacketType`, nil for legacy tags.
    public let enhancedPacketType: UInt8?
    /// The payload after the headers.
    public let payload: ByteBuffer

    /// Whether the audio is AAC, in the legacy or the Enhanced form.
    public var isAAC: Bool {
        soundFormat == Self.aacSoundFormat || fourCC == FLVFourCC.mp4a
    }

    /// The legacy `SoundFormat` of AAC.
    public static let aacSoundFormat: UInt8 = 10
    /// The `SoundFormat` that announces an Enhanced RTMP audio header.
    public static let enhancedSoundFormat: UInt8 = 9

    /// Parses an audio tag body.
    ///
    /// - Parameters:
    ///   - body: The tag or message body.
    /// - Throws: ``FLVTagError`` for truncation, invalid AAC packet types and audio multitrack.
    public init(parsing body: ByteBuffer) throws(FLVTagError) {
        var input = body
        guard let first = input.readInteger(as: UInt8.self) else { throw .truncated("audio tag header") }
        soundFormat = first >> 4
        soundRate = (first >> 2) & 0x03
        soundSize = (first >> 1) & 0x01
        soundType = first & 0x01

        if soundFormat == Self.enhancedSoundFormat {
            var packetType = first & 0x0F
            while packetType == 7 {  // ModEx
                packetType = try FLVVideoTag.readModEx(&input).packetType
            }
            guard packetType != 5 else { throw .unsupportedAudioMultitrack }
            guard let code = input.readInteger(as: UInt32.self) else { throw .truncated("audio FourCC") }
            isEnhanced = true
            fourCC = code
            enhancedPacketType = packetType
            if code == FLVFourCC.mp4a {
                aacPacketType = packetType == 0 ? .sequenceHeader : packetType == 1 ? .raw : nil
            } else {
                aacPacketType = nil
            }
        } else if soundFormat == Self.aacSoundFormat {
            guard let raw = input.readInteger(as: UInt8.self) else { throw .truncated("AAC packet type") }
            guard let type = FLVAACPacketType(rawValue: raw) else { throw .invalidAACPacketType(raw) }
            isEnhanced = false
            fourCC = nil
            enhancedPacketType = nil
            aacPacketType = type
        } else {
            isEnhanced = false
            fourCC = nil
            enhancedPacketType = nil
            aacPacketType = nil
        }
        payload = input
    }
}
