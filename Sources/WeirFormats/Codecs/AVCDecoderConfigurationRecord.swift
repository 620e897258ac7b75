public import NIOCore

/// An `AVCDecoderConfigurationRecord` (avcC, ISO/IEC 14496-15 5.3.3.1).
///
/// RTMP carries it as the body of an AVC sequence header; MP4 carries it in
/// the `avcC` box. The record is immutable after validation so that it can
/// always be serialized back.
public struct AVCDecoderConfigurationRecord: Sendable, Hashable {
    /// The profiles for which the record may carry the chroma and bit depth extension.
    static let extensionProfiles: Set<UInt8> = [100, 110, 122, 144]

    /// `AVCProfileIndication`.
    public let profileIndication: UInt8
    /// `profile_compatibility`, the SPS constraint flags byte.
    public let profileCompatibility: UInt8
    /// `AVCLevelIndication`.
    public let levelIndication: UInt8
    /// The size in bytes of the NAL unit length prefix: 1, 2 or 4.
    public let nalLengthSize: Int
    /// The SPS NAL units, headers included, in record order.
    public let sequenceParameterSets: [[UInt8]]
    /// The PPS NAL units, headers included, in record order.
    public let pictureParameterSets: [[UInt8]]
    /// The high profile extension, when present and complete.
    public let highProfileExtension: HighProfileExtension?

    /// Parses a record.
    ///
    /// A high profile extension that is cut short is ignored, since many
    /// encoders omit it or write it partially.
    ///
    /// - Parameters:
    ///   - buffer: The readable bytes hold the record.
    /// - Throws: ``CodecError`` for a wrong version, an invalid length size or truncation.
    public init(parsing buffer: ByteBuffer) throws(CodecError) {
        var input = buffer
        guard let version = input.readInteger(as: UInt8.self),
            let profile = input.readInteger(as: UInt8.self),
            let compatibility = input.readInteger(as: UInt8.self),
            let level = input.readInteger(as: UInt8.self),
            let lengthByte = input.readInteger(as: UInt8.self),
            let spsCountByte = input.readInteger(as: UInt8.self)
        else { throw .truncated("avcC header") }
        guard version == 1 else { throw .unsupportedConfigurationVersion(version) }
        let lengthSize = Int(lengthByte & 0x03) + 1
        guard lengthSize != 3 else { throw .invalidNALLengthSize(lengthSize) }

        let sps = try Self.readParameterSets(&input, count: Int(spsCountByte & 0x1F), name: "avcC SPS")
        guard let ppsCount = input.readInteger(as: UInt8.self) else { throw .truncated("avcC PPS count") }
        let pps = try Self.readParameterSets(&input, count: Int(ppsCount), name: "avcC PPS")

        var highProfileExtension: HighProfileExtension?
        if Self.extensionProfiles.contains(profile), input.readableBytes >= 4 {
            highProfileExtension = try? HighProfileExtension(parsing: &input)
        }

        self.profileIndication = profile
        self.profileCompatibility = compatibility
        self.levelIndication = level
        self.nalLengthSize = lengthSize
        self.sequenceParameterSets = sps
        self.pictureParameterSets = pps
        self.highProfileExtension = highProfileExtension
    }

    /// Parses a record from bytes.
    ///
    /// - Parameters:
    ///   - bytes: The record.
    public init(parsing bytes: some Collection<UInt8>) throws(CodecError) {
        try self.init(parsing: ByteBuffer(bytes: bytes))
    }

    /// Builds a record from parameter sets, for streams that carry them in band (MPEG-TS).
    ///
    /// The profile, compatibility and level come from the first SPS. For the
    /// high profiles the chroma and bit depth extension is filled from the
    /// parsed SPS when it parses.
    ///
    /// - Parameters:
    ///   - sequenceParameterSets: SPS NAL units with headers, at least one, at most 31.
    ///   - pictureParameterSets: PPS NAL units with headers, at most 255.
    ///   - nalLengthSize: The length prefix size for samples: 1, 2 or 4.
    /// - Throws: ``CodecError`` when the sets do not fit the record.
    public init(
        sequenceParameterSets: [[UInt8]],
        pictureParameterSets: [[UInt8]],
        nalLengthSize: Int = 4
    ) throws(CodecError) {
        guard nalLengthSize == 1 || nalLengthSize == 2 || nalLengthSize == 4 else {
            throw .invalidNALLengthSize(nalLengthSize)
        }
        guard let first = sequenceParameterSets.first, first.count >= 4 else { throw .truncated("SPS") }
        guard sequenceParameterSets.count <= 31, pictureParameterSets.count <= 255 else {
            throw .invalidValue("parameter set count")
        }
        guard (sequenceParameterSets + pictureParameterSets).allSatisfy({ $0.count <= Int(UInt16.max) }) else {
            throw .invalidValue("parameter set length")
        }
        self.profileIndication = first[1]
        self.profileCompatibility = first[2]
        self.levelIndication = first[3]
        self.nalLengthSize = nalLengthSize
        self.sequenceParameterSets = sequenceParameterSets
        self.pictureParameterSets = pictureParameterSets
        if Self.extensionProfiles.contains(first[1]), let sps = try? H264SequenceParameterSet(nalUnit: first) {
            self.highProfileExtension = HighProfileExtension(
                chromaFormat: UInt8(sps.chromaFormatIdc),
                bitDepthLumaMinus8: UInt8(sps.bitDepthLuma - 8),
                bitDepthChromaMinus8: UInt8(sps.bitDepthChroma - 8),
                sequenceParameterSetExtensions: []
            )
        } else {
            self.highProfileExtension = nil
        }
    }

    /// The RFC 6381 codec string, such as `avc1.64001f`.
    ///
    /// Built from the first SPS's `profile_idc`, constraint flags and
    /// `level_idc`, or from the record header when there is no usable SPS.
    public var codecString: String {
        let fields: [UInt8]
        if let sps = sequenceParameterSets.first, sps.count >= 4 {
            fields = Array(sps[1...3])
        } else {
            fields = [profileIndication, profileCompatibility, levelIndication]
        }
        return "avc1." + fields.map(Self.hexByte).joined()
    }

    /// Parses the first SPS, when there is one.
    public func sequenceParameterSet() throws(CodecError) -> H264SequenceParameterSet? {
        guard let first = sequenceParameterSets.first else { return nil }
        return try H264SequenceParameterSet(nalUnit: first)
    }

    /// Appends the serialized record.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(profileIndication)
        buffer.writeInteger(profileCompatibility)
        buffer.writeInteger(levelIndication)
        buffer.writeInteger(UInt8(0xFC | UInt8(nalLengthSize - 1)))
        buffer.writeInteger(UInt8(0xE0 | UInt8(sequenceParameterSets.count)))
        for sps in sequenceParameterSets {
            buffer.writeInteger(UInt16(sps.count))
            buffer.writeBytes(sps)
        }
        buffer.writeInteger(UInt8(pictureParameterSets.count))
        for pps in pictureParameterSets {
            buffer.writeInteger(UInt16(pps.count))
            buffer.writeBytes(pps)
        }
        highProfileExtension?.write(to: &buffer)
    }

    /// The serialized record.
    public var bytes: [UInt8] {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    static func readParameterSets(
        _ input: inout ByteBuffer,
        count: Int,
        name: String
    ) throws(CodecError) -> [[UInt8]] {
        var sets: [[UInt8]] = []
        for _ in 0..<count {
            guard let length = input.readInteger(as: UInt16.self),
                let bytes = input.readBytes(length: Int(length))
            else { throw .truncated(name) }
            sets.append(bytes)
        }
        return sets
    }

    static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
