public import NIOCore

/// An MPEG-4 `AudioSpecificConfig` (ISO/IEC 14496-3 1.6.2.1).
///
/// RTMP carries it as the body of an AAC sequence header and MP4 carries it in
/// the `esds` box. Parsing covers the object type (with the escape for types
/// above 30), the sampling frequency (index or explicit), the channel
/// configuration (including a program config element for configuration 0),
/// explicit SBR/PS signalling, and the frame length flag of the general audio
/// object types. The original bytes are kept for serialization.
public struct AudioSpecificConfig: Sendable, Hashable {
    /// The sampling frequencies addressed by `samplingFrequencyIndex` 0 through 12.
    public static let samplingFrequencies = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ]

    /// The object types whose configuration is a `GASpecificConfig`.
    static let generalAudioObjectTypes: Set<UInt8> = [1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]

    /// `audioObjectType`: 2 for AAC-LC, 5 for explicitly signalled HE-AAC, 29 for HE-AAC v2.
    public let objectType: UInt8
    /// `samplingFrequencyIndex`, or nil when the frequency is given explicitly.
    public let samplingFrequencyIndex: UInt8?
    /// The sampling frequency of the core decoder in Hz.
    public let sampleRate: Int
    /// `channelConfiguration`; 0 means a program config element defines the channels.
    public let channelConfiguration: UInt8
    /// The number of output channels.
    public let channelCount: Int
    /// `frameLengthFlag`: true for 960-sample frames (or 480 for the low-delay types).
    public let frameLengthFlag: Bool
    /// For explicit SBR or PS signalling, the object type of the core (usually 2).
    public let coreObjectType: UInt8?
    /// For explicit SBR or PS signalling, the output sampling frequency in Hz.
    public let extensionSampleRate: Int?
    /// The serialized configuration.
    public let bytes: [UInt8]

    /// Parses a configuration.
    ///
    /// Bits after the fields above (such as a backward-compatible SBR sync
    /// extension) are kept in ``bytes`` but not interpreted.
    ///
    /// - Parameters:
    ///   - bytes: The configuration bytes.
    /// - Throws: ``CodecError`` for truncation, reserved values or unsupported layouts.
    public init(parsing bytes: some Collection<UInt8>) throws(CodecError) {
        let data = Array(bytes)
        var reader = BitReader(data)
        do {
            let objectType = try Self.readObjectType(&reader)
            let rate = try Self.readSamplingFrequency(&reader)
            let channelConfiguration = UInt8(try reader.read(bits: 4))
            var coreObjectType: UInt8?
            var extensionRate: Int?
            if objectType == 5 || objectType == 29 {
                extensionRate = try Self.readSamplingFrequency(&reader).rate
                let core = try Self.readObjectType(&reader)
                coreObjectType = core
                if core == 22 {
                    try reader.skip(bits: 4)  // extensionChannelConfiguration
                }
            }
            let configuredType = coreObjectType ?? objectType

            var frameLengthFlag = false
            var pceChannels: Int?
            if Self.generalAudioObjectTypes.contains(configuredType) {
                frameLengthFlag = try reader.readFlag()
                if try reader.readFlag() {  // dependsOnCoreCoder
                    try reader.skip(bits: 14)  // coreCoderDelay
                }
                _ = try reader.readFlag()  // extensionFlag
                if channelConfiguration == 0 {
                    pceChannels = try Self.programConfigChannelCount(&reader)
                }
            }

            let channels: Int
            if channelConfiguration == 0 {
                guard let pceChannels, pceChannels > 0 else {
                    throw CodecError.unsupported("channel configuration 0 for object type \(configuredType)")
                }
                channels = pceChannels
            } else if let count = Self.channelCount(configuration: channelConfiguration) {
                // Parametric stereo decodes a mono core into two channels.
                channels = objectType == 29 && count == 1 ? 2 : count
            } else {
                throw CodecError.invalidValue("channelConfiguration \(channelConfiguration)")
            }

            self.objectType = objectType
            self.samplingFrequencyIndex = rate.index
            self.sampleRate = rate.rate
            self.channelConfiguration = channelConfiguration
            self.channelCount = channels
            self.frameLengthFlag = frameLengthFlag
            self.coreObjectType = coreObjectType
            self.extensionSampleRate = extensionRate
            self.bytes = data
        } catch let error as BitstreamError {
            throw error == .endOfData ? .truncated("AudioSpecificConfig") : .bitstream(error)
        } catch let error as CodecError {
            throw error
        } catch {
            throw .invalidValue("AudioSpecificConfig")
        }
    }

    /// Parses a configuration from a buffer's readable bytes.
    ///
    /// - Parameters:
    ///   - buffer: The readable bytes hold the configuration.
    public init(parsing buffer: ByteBuffer) throws(CodecError) {
        try self.init(parsing: buffer.readableBytesView)
    }

    /// Builds the configuration for a plain AAC stream, as needed when converting ADTS headers.
    ///
    /// The sampling frequency is written as an index when it is one of
    /// ``samplingFrequencies`` and explicitly otherwise.
    ///
    /// - Parameters:
    ///   - objectType: 1 (Main), 2 (LC), 3 (SSR) or 4 (LTP): the types an ADTS header can express.
    ///   - sampleRate: The sampling frequency in Hz, 1 through 16777215.
    ///   - channels: 1 through 6, or 8 (configuration 7).
    /// - Throws: ``CodecError`` for values a configuration without a program config element cannot express.
    public init(objectType: UInt8, sampleRate: Int, channels: Int) throws(CodecError) {
        guard (1...4).contains(objectType) else { throw .unsupported("object type \(objectType)") }
        guard sampleRate > 0, sampleRate < 1 << 24 else { throw .invalidValue("sample rate \(sampleRate)") }
        let configuration: UInt32
        switch channels {
        case 1...6: configuration = UInt32(channels)
        case 8: configuration = 7
        default: throw .unsupported("\(channels) channels")
        }
        var writer = BitWriter()
        writer.write(UInt32(objectType), bits: 5)
        if let index = Self.samplingFrequencies.firstIndex(of: sampleRate) {
            writer.write(UInt32(index), bits: 4)
        } else {
            writer.write(0x0F, bits: 4)
            writer.write(UInt32(sampleRate), bits: 24)
        }
        writer.write(configuration, bits: 4)
        writer.write(0, bits: 3)  // frameLengthFlag, dependsOnCoreCoder, extensionFlag
        try self.init(parsing: writer.bytes)
    }

    /// The RFC 6381 codec string, such as `mp4a.40.2`.
    public var codecString: String {
        "mp4a.40.\(objectType)"
    }

    /// The number of samples per frame at ``sampleRate``: 1024 or 960 (512 or 480 for the low-delay types).
    public var samplesPerFrame: Int {
        let lowDelay = [23, 39].contains(coreObjectType ?? objectType)
        switch (lowDelay, frameLengthFlag) {
        case (false, false): return 1024
        case (false, true): return 960
        case (true, false): return 512
        case (true, true): return 480
        }
    }

    /// Appends the serialized configuration.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeBytes(bytes)
    }

    /// The output channel count of `channelConfiguration` 1 through 14, nil when reserved.
    static func channelCount(configuration: UInt8) -> Int? {
        switch configuration {
        case 1...6: Int(configuration)
        case 7: 8
        case 11: 7
        case 12: 8
        case 13: 24
        case 14: 8
        default: nil
        }
    }

    private static func readObjectType(_ reader: inout BitReader) throws(BitstreamError) -> UInt8 {
        let type = try reader.read(bits: 5)
        guard type == 31 else { return UInt8(type) }
        return UInt8(32 + (try reader.read(bits: 6)))
    }

    private static func readSamplingFrequency(
        _ reader: inout BitReader
    ) throws -> (index: UInt8?, rate: Int) {
        let index = Int(try reader.read(bits: 4))
        if index == 0x0F {
            let rate = Int(try reader.read(bits: 24))
            guard rate > 0 else { throw CodecError.invalidValue("sampling frequency 0") }
            return (nil, rate)
        }
        guard index < samplingFrequencies.count else {
            throw CodecError.invalidValue("samplingFrequencyIndex \(index)")
        }
        return (UInt8(index), samplingFrequencies[index])
    }

    /// Counts the channels of a `program_config_element()` (ISO/IEC 14496-3 4.4.1.1).
    private static func programConfigChannelCount(_ reader: inout BitReader) throws(BitstreamError) -> Int {
        try reader.skip(bits: 4 + 2 + 4)  // element_instance_tag, object_type, sampling_frequency_index
        let front = Int(try reader.read(bits: 4))
        let side = Int(try reader.read(bits: 4))
        let back = Int(try reader.read(bits: 4))
        let lfe = Int(try reader.read(bits: 2))
        try reader.skip(bits: 3 + 4)  // num_assoc_data_elements, num_valid_cc_elements
        if try reader.readFlag() { try reader.skip(bits: 4) }  // mono_mixdown
        if try reader.readFlag() { try reader.skip(bits: 4) }  // stereo_mixdown
        if try reader.readFlag() { try reader.skip(bits: 3) }  // matrix_mixdown_idx, pseudo_surround_enable
        var channels = lfe
        for _ in 0..<(front + side + back) {
            channels += try reader.readFlag() ? 2 : 1  // is_cpe
            try reader.skip(bits: 4)  // element tag
        }
        return channels
    }
}
