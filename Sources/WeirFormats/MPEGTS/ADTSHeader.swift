public import NIOCore

/// The fixed and variable header of an ADTS frame (ISO/IEC 13818-7 6.2, 14496-3 1.A.2.2).
///
/// MPEG-TS carries AAC as a sequence of ADTS frames, each a 7-byte header (9 with a CRC), then
/// the raw data blocks. MP4 and CMAF carry the raw blocks with the configuration in the
/// sample entry, so ingest strips the header and builds an AudioSpecificConfig from it.
public struct ADTSHeader: Hashable, Sendable {
    /// `profile_ObjectType`: the audio object type minus one (1 is AAC-LC).
    public var profile: UInt8
    /// `sampling_frequency_index`, 0 through 12.
    public var samplingFrequencyIndex: UInt8
    /// `channel_configuration`; 0 means a program config element in the stream defines them.
    public var channelConfiguration: UInt8
    /// Whether no CRC follows the header (`protection_absent`).
    public var protectionAbsent: Bool
    /// `aac_frame_length`: header, CRC and raw data blocks, in bytes.
    public var frameLength: Int
    /// `number_of_raw_data_blocks_in_frame` + 1.
    public var rawDataBlocks: Int

    /// The smallest header, without CRC.
    public static let minimumSize = 7

    /// Creates a header for a frame of one raw data block without CRC.
    ///
    /// - Parameters:
    ///   - profile: The audio object type minus one.
    ///   - samplingFrequencyIndex: The sampling frequency index.
    ///   - channelConfiguration: The channel configuration.
    ///   - payloadLength: The raw data block size in bytes.
    public init(profile: UInt8, samplingFrequencyIndex: UInt8, channelConfiguration: UInt8, payloadLength: Int) {
        self.profile = profile & 0x03
        self.samplingFrequencyIndex = samplingFrequencyIndex & 0x0F
        self.channelConfiguration = channelConfiguration & 0x07
        self.protectionAbsent = true
        self.frameLength = payloadLength + Self.minimumSize
        self.rawDataBlocks = 1
    }

    /// Parses the header at the start of `buffer`'s readable bytes.
    ///
    /// - Parameters:
    ///   - buffer: Bytes starting at a syncword.
    /// - Throws: ``MPEGTSError`` when fewer than seven bytes are there, the syncword or layer is
    ///   wrong, the frequency index is reserved or the frame is shorter than its header.
    public init(parsing buffer: ByteBuffer) throws(MPEGTSError) {
        guard let bytes = buffer.getBytes(at: buffer.readerIndex, length: Self.minimumSize) else {
            throw .truncated("ADTS header")
        }
        guard bytes[0] == 0xFF, bytes[1] & 0xF6 == 0xF0 else { throw .invalidValue("ADTS syncword") }
        protectionAbsent = bytes[1] & 0x01 != 0
        profile = bytes[2] >> 6
        samplingFrequencyIndex = (bytes[2] >> 2) & 0x0F
        guard samplingFrequencyIndex < 13 else { throw .invalidValue("sampling_frequency_index") }
        channelConfiguration = (bytes[2] & 0x01) << 2 | bytes[3] >> 6
        frameLength = Int(bytes[3] & 0x03) << 11 | Int(bytes[4]) << 3 | Int(bytes[5] >> 5)
        rawDataBlocks = Int(bytes[6] & 0x03) + 1
        guard frameLength > headerSize else { throw .invalidValue("aac_frame_length") }
    }

    /// The header size: 7 bytes, or 9 with the CRC.
    public var headerSize: Int {
        protectionAbsent ? 7 : 9
    }

    /// The sampling frequency in Hz.
    public var sampleRate: Int {
        let rates = AudioSpecificConfig.samplingFrequencies
        return Int(samplingFrequencyIndex) < rates.count ? rates[Int(samplingFrequencyIndex)] : 0
    }

    /// The AudioSpecificConfig this header describes.
    ///
    /// - Throws: ``CodecError`` for channel configuration 0, which needs the program config
    ///   element from the bitstream.
    public func audioSpecificConfig() throws(CodecError) -> AudioSpecificConfig {
        let channels: Int
        switch channelConfiguration {
        case 1...6: channels = Int(channelConfiguration)
        case 7: channels = 8
        default: throw .unsupported("ADTS channel configuration \(channelConfiguration)")
        }
        return try AudioSpecificConfig(objectType: profile + 1, sampleRate: sampleRate, channels: channels)
    }

    /// Appends the seven-byte header (a CRC, when announced, is the caller's to write).
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func write(to buffer: inout ByteBuffer) {
        let length = UInt32(min(max(frameLength, 0), 0x1FFF))
        buffer.writeInteger(UInt8(0xFF))
        buffer.writeInteger(UInt8(0xF0 | (protectionAbsent ? 1 : 0)))
        buffer.writeInteger(profile << 6 | samplingFrequencyIndex << 2 | channelConfiguration >> 2)
        buffer.writeInteger((channelConfiguration & 0x03) << 6 | UInt8(length >> 11))
        buffer.writeInteger(UInt8(truncatingIfNeeded: length >> 3))
        // Buffer fullness 0x7FF: variable bit rate.
        buffer.writeInteger(UInt8(truncatingIfNeeded: length << 5) | 0x1F)
        buffer.writeInteger(UInt8(0xFC | UInt8((rawDataBlocks - 1) & 0x03)))
    }
}
