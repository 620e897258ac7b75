public import NIOCore

/// An `HEVCDecoderConfigurationRecord` (hvcC, ISO/IEC 14496-15 8.3.3.1).
///
/// Enhanced RTMP carries it as the body of an HEVC sequence start; MP4
/// carries it in the `hvcC` box. The record is immutable after validation so
/// that it can always be serialized back.
public struct HEVCDecoderConfigurationRecord: Sendable, Hashable {
    /// `general_profile_space`, 0 through 3.
    public let generalProfileSpace: UInt8
    /// `general_tier_flag`: false for Main tier, true for High tier.
    public let generalTierFlag: Bool
    /// `general_profile_idc`, 0 through 31.
    public let generalProfileIdc: UInt8
    /// `general_profile_compatibility_flags`, flag 0 in the most significant bit.
    public let generalProfileCompatibilityFlags: UInt32
    /// `general_constraint_indicator_flags`, the low 48 bits.
    public let generalConstraintIndicatorFlags: UInt64
    /// `general_level_idc` (30 times the level number).
    public let generalLevelIdc: UInt8
    /// `min_spatial_segmentation_idc`.
    public let minSpatialSegmentationIdc: UInt16
    /// `parallelismType`.
    public let parallelismType: UInt8
    /// `chromaFormat` (`chroma_format_idc`).
    public let chromaFormat: UInt8
    /// `bitDepthLumaMinus8`.
    public let bitDepthLumaMinus8: UInt8
    /// `bitDepthChromaMinus8`.
    public let bitDepthChromaMinus8: UInt8
    /// `avgFrameRate` in frames per 256 seconds, 0 when unspecified.
    public let averageFrameRate: UInt16
    /// `constantFrameRate`.
    public let constantFrameRate: UInt8
    /// `numTemporalLayers`.
    public let numTemporalLayers: UInt8
    /// `temporalIdNested`.
    public let temporalIdNested: Bool
    /// The size in bytes of the NAL unit length prefix: 1, 2 or 4.
    public let nalLengthSize: Int
    /// The parameter set and SEI arrays, in record order.
    public let arrays: [NALUnitArray]

    /// Parses a record.
    ///
    /// - Parameters:
    ///   - buffer: The readable bytes hold the record.
    /// - Throws: ``CodecError`` for a wrong version, an invalid length size or truncation.
    public init(parsing buffer: ByteBuffer) throws(CodecError) {
        var input = buffer
        guard input.readableBytes >= 23 else { throw .truncated("hvcC header") }
        guard let version = input.readInteger(as: UInt8.self),
            let profileByte = input.readInteger(as: UInt8.self),
            let compatibility = input.readInteger(as: UInt32.self),
            let constraintHigh = input.readInteger(as: UInt16.self),
            let constraintLow = input.readInteger(as: UInt32.self),
            let level = input.readInteger(as: UInt8.self),
            let segmentation = input.readInteger(as: UInt16.self),
            let parallelism = input.readInteger(as: UInt8.self),
            let chroma = input.readInteger(as: UInt8.self),
            let lumaDepth = input.readInteger(as: UInt8.self),
            let chromaDepth = input.readInteger(as: UInt8.self),
            let frameRate = input.readInteger(as: UInt16.self),
            let layering = input.readInteger(as: UInt8.self),
            let arrayCount = input.readInteger(as: UInt8.self)
        else { throw .truncated("hvcC header") }
        guard version == 1 else { throw .unsupportedConfigurationVersion(version) }
        let lengthSize = Int(layering & 0x03) + 1
        guard lengthSize != 3 else { throw .invalidNALLengthSize(lengthSize) }

        var arrays: [NALUnitArray] = []
        for _ in 0..<arrayCount {
            guard let typeByte = input.readInteger(as: UInt8.self),
                let unitCount = input.readInteger(as: UInt16.self)
            else { throw .truncated("hvcC array") }
            let units = try AVCDecoderConfigurationRecord.readParameterSets(
                &input,
                count: Int(unitCount),
                name: "hvcC NAL unit"
            )
            arrays.append(
                NALUnitArray(
                    arrayCompleteness: typeByte & 0x80 != 0,
                    nalUnitType: HEVCNALUnitType(rawValue: typeByte & 0x3F),
                    nalUnits: units
                )
            )
        }

        generalProfileSpace = profileByte >> 6
        generalTierFlag = profileByte & 0x20 != 0
        generalProfileIdc = profileByte & 0x1F
        generalProfileCompatibilityFlags = compatibility
        generalConstraintIndicatorFlags = UInt64(constraintHigh) << 32 | UInt64(constraintLow)
        generalLevelIdc = level
        minSpatialSegmentationIdc = segmentation & 0x0FFF
        parallelismType = parallelism & 0x03
        chromaFormat = chroma & 0x03
        bitDepthLumaMinus8 = lumaDepth & 0x07
        bitDepthChromaMinus8 = chromaDepth & 0x07
        averageFrameRate = frameRate
        constantFrameRate = layering >> 6
        numTemporalLayers = (layering >> 3) & 0x07
        temporalIdNested = layering & 0x04 != 0
        nalLengthSize = lengthSize
        self.arrays = arrays
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
    /// Profile, tier, level, chroma format and bit depths come from the first
    /// SPS, which must parse. The arrays are marked complete.
    ///
    /// - Parameters:
    ///   - videoParameterSets: VPS NAL units with headers.
    ///   - sequenceParameterSets: SPS NAL units with headers, at least one.
    ///   - pictureParameterSets: PPS NAL units with headers.
    ///   - nalLengthSize: The length prefix size for samples: 1, 2 or 4.
    /// - Throws: ``CodecError`` when the SPS does not parse or the sets do not fit the record.
    public init(
        videoParameterSets: [[UInt8]],
        sequenceParameterSets: [[UInt8]],
        pictureParameterSets: [[UInt8]],
        nalLengthSize: Int = 4
    ) throws(CodecError) {
        guard nalLengthSize == 1 || nalLengthSize == 2 || nalLengthSize == 4 else {
            throw .invalidNALLengthSize(nalLengthSize)
        }
        guard let first = sequenceParameterSets.first else { throw .truncated("SPS") }
        let all = videoParameterSets + sequenceParameterSets + pictureParameterSets
        guard videoParameterSets.count <= Int(UInt16.max), sequenceParameterSets.count <= Int(UInt16.max),
            pictureParameterSets.count <= Int(UInt16.max), all.allSatisfy({ $0.count <= Int(UInt16.max) })
        else { throw .invalidValue("parameter set length") }
        let sps = try HEVCSequenceParameterSet(nalUnit: first)
        generalProfileSpace = sps.generalProfileSpace
        generalTierFlag = sps.generalTierFlag
        generalProfileIdc = sps.generalProfileIdc
        generalProfileCompatibilityFlags = sps.generalProfileCompatibilityFlags
        generalConstraintIndicatorFlags = sps.generalConstraintIndicatorFlags
        generalLevelIdc = sps.generalLevelIdc
        minSpatialSegmentationIdc = 0
        parallelismType = 0
        chromaFormat = UInt8(sps.chromaFormatIdc)
        bitDepthLumaMinus8 = UInt8(sps.bitDepthLuma - 8)
        bitDepthChromaMinus8 = UInt8(sps.bitDepthChroma - 8)
        averageFrameRate = 0
        constantFrameRate = 0
        numTemporalLayers = UInt8(sps.maxSubLayers)
        temporalIdNested = sps.temporalIdNesting
        self.nalLengthSize = nalLengthSize
        arrays = [
            (HEVCNALUnitType.videoParameterSet, videoParameterSets),
            (.sequenceParameterSet, sequenceParameterSets),
            (.pictureParameterSet, pictureParameterSets),
        ]
        .filter { !$0.1.isEmpty }
        .map { NALUnitArray(arrayCompleteness: true, nalUnitType: $0.0, nalUnits: $0.1) }
    }

    /// The VPS NAL units.
    public var videoParameterSets: [[UInt8]] {
        units(of: .videoParameterSet)
    }

    /// The SPS NAL units.
    public var sequenceParameterSets: [[UInt8]] {
        units(of: .sequenceParameterSet)
    }

    /// The PPS NAL units.
    public var pictureParameterSets: [[UInt8]] {
        units(of: .pictureParameterSet)
    }

    /// Parses the first SPS, when there is one.
    public func sequenceParameterSet() throws(CodecError) -> HEVCSequenceParameterSet? {
        guard let first = sequenceParameterSets.first else { return nil }
        return try HEVCSequenceParameterSet(nalUnit: first)
    }

    /// The codec string for an `hvc1` sample entry, such as `hvc1.1.6.L93.B0`.
    public var codecString: String {
        codecString(sampleEntry: "hvc1")
    }

    /// The RFC 6381 codec string (ISO/IEC 14496-15 E.3).
    ///
    /// The profile space as a letter (none, A, B, C) and the profile number;
    /// the compatibility flags bit-reversed in hex; the tier letter and level;
    /// then the six constraint bytes in hex with trailing zero bytes omitted.
    ///
    /// - Parameters:
    ///   - sampleEntry: `hvc1` when parameter sets live only in the sample entry, `hev1` otherwise.
    public func codecString(sampleEntry: String) -> String {
        let space = ["", "A", "B", "C"][Int(generalProfileSpace & 0x03)]
        var parts = [
            sampleEntry,
            space + String(generalProfileIdc),
            String(generalProfileCompatibilityFlags.bitReversed, radix: 16, uppercase: true),
            (generalTierFlag ? "H" : "L") + String(generalLevelIdc),
        ]
        var constraintBytes = (0..<6).map { index in
            UInt8(truncatingIfNeeded: generalConstraintIndicatorFlags >> UInt64(40 - 8 * index))
        }
        while constraintBytes.last == 0 {
            constraintBytes.removeLast()
        }
        parts += constraintBytes.map { String($0, radix: 16, uppercase: true) }
        return parts.joined(separator: ".")
    }

    /// Appends the serialized record.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(generalProfileSpace << 6 | (generalTierFlag ? 0x20 : 0) | generalProfileIdc)
        buffer.writeInteger(generalProfileCompatibilityFlags)
        buffer.writeInteger(UInt16(truncatingIfNeeded: generalConstraintIndicatorFlags >> 32))
        buffer.writeInteger(UInt32(truncatingIfNeeded: generalConstraintIndicatorFlags))
        buffer.writeInteger(generalLevelIdc)
        buffer.writeInteger(UInt16(0xF000) | minSpatialSegmentationIdc)
        buffer.writeInteger(UInt8(0xFC) | parallelismType)
        buffer.writeInteger(UInt8(0xFC) | chromaFormat)
        buffer.writeInteger(UInt8(0xF8) | bitDepthLumaMinus8)
        buffer.writeInteger(UInt8(0xF8) | bitDepthChromaMinus8)
        buffer.writeInteger(averageFrameRate)
        let layering = constantFrameRate << 6 | numTemporalLayers << 3 | (temporalIdNested ? 0x04 : 0)
        buffer.writeInteger(layering | UInt8(nalLengthSize - 1))
        buffer.writeInteger(UInt8(arrays.count))
        for array in arrays {
            buffer.writeInteger((array.arrayCompleteness ? 0x80 : 0) | array.nalUnitType.rawValue)
            buffer.writeInteger(UInt16(array.nalUnits.count))
            for unit in array.nalUnits {
                buffer.writeInteger(UInt16(unit.count))
                buffer.writeBytes(unit)
            }
        }
    }

    /// The serialized record.
    public var bytes: [UInt8] {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    private func units(of type: HEVCNALUnitType) -> [[UInt8]] {
        arrays.filter { $0.nalUnitType == type }.flatMap(\.nalUnits)
    }
}

extension UInt32 {
    /// The value with its 32 bits in reverse order.
    fileprivate var bitReversed: UInt32 {
        var input = self
        var output: UInt32 = 0
        for _ in 0..<32 {
            output = output << 1 | (input & 1)
            input >>= 1
        }
        return output
    }
}
