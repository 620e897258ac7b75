/// The fields of an H.265 sequence parameter set that a packager needs.
///
/// Parses `seq_parameter_set_rbsp()` (ITU-T H.265 7.3.2.2) up to the bit
/// depths: the profile, tier and level, the chroma format and the picture size
/// after the conformance window.
public struct HEVCSequenceParameterSet: Sendable, Hashable {
    /// `sps_max_sub_layers_minus1 + 1`.
    public var maxSubLayers: Int
    /// `sps_temporal_id_nesting_flag`.
    public var temporalIdNesting: Bool
    /// `general_profile_space`.
    public var generalProfileSpace: UInt8
    /// `general_tier_flag`: false for Main tier, true for High tier.
    public var generalTierFlag: Bool
    /// `general_profile_idc`.
    public var generalProfileIdc: UInt8
    /// `general_profile_compatibility_flag[0..31]`, flag 0 in the most significant bit.
    public var generalProfileCompatibilityFlags: UInt32
    /// The 48 bits from `general_progressive_source_flag` through `general_inbld_flag`/reserved.
    public var generalConstraintIndicatorFlags: UInt64
    /// `general_level_idc`.
    public var generalLevelIdc: UInt8
    /// `sps_seq_parameter_set_id`.
    public var id: UInt32
    /// `chroma_format_idc`.
    public var chromaFormatIdc: UInt32
    /// `separate_colour_plane_flag`.
    public var separateColourPlane: Bool
    /// `pic_width_in_luma_samples`.
    public var codedWidth: Int
    /// `pic_height_in_luma_samples`.
    public var codedHeight: Int
    /// Width after the conformance window.
    public var width: Int
    /// Height after the conformance window.
    public var height: Int
    /// Luma sample bit depth.
    public var bitDepthLuma: Int
    /// Chroma sample bit depth.
    public var bitDepthChroma: Int

    /// Parses an SPS NAL unit.
    ///
    /// - Parameters:
    ///   - nalUnit: The NAL unit including its two-byte header, still containing
    ///     emulation prevention bytes; they are removed here.
    /// - Throws: ``CodecError`` when the unit is not an SPS or is malformed.
    public init(nalUnit: some Collection<UInt8>) throws(CodecError) {
        guard nalUnit.count >= 2, let header = nalUnit.first else { throw .truncated("SPS NAL header") }
        let type = HEVCNALUnitType(headerByte: header)
        guard type == .sequenceParameterSet else { throw .unexpectedNALUnitType(type.rawValue) }
        let rbsp = NALUnit.removingEmulationPrevention(nalUnit.dropFirst(2))
        do {
            try self.init(rbsp: rbsp)
        } catch let error as BitstreamError {
            throw error == .endOfData ? .truncated("SPS") : .bitstream(error)
        } catch let error as CodecError {
            throw error
        } catch {
            throw .invalidValue("SPS")
        }
    }

    private init(rbsp: [UInt8]) throws {
        var reader = BitReader(rbsp)
        try reader.skip(bits: 4)  // sps_video_parameter_set_id
        let maxSubLayersMinus1 = Int(try reader.read(bits: 3))
        guard maxSubLayersMinus1 <= 6 else { throw CodecError.invalidValue("sps_max_sub_layers_minus1") }
        maxSubLayers = maxSubLayersMinus1 + 1
        temporalIdNesting = try reader.readFlag()

        // profile_tier_level(1, sps_max_sub_layers_minus1)
        generalProfileSpace = UInt8(try reader.read(bits: 2))
        generalTierFlag = try reader.readFlag()
        generalProfileIdc = UInt8(try reader.read(bits: 5))
        generalProfileCompatibilityFlags = try reader.read(bits: 32)
        let constraintHigh = UInt64(try reader.read(bits: 16))
        let constraintLow = UInt64(try reader.read(bits: 32))
        generalConstraintIndicatorFlags = constraintHigh << 32 | constraintLow
        generalLevelIdc = UInt8(try reader.read(bits: 8))
        var subLayerProfilePresent: [Bool] = []
        var subLayerLevelPresent: [Bool] = []
        for _ in 0..<maxSubLayersMinus1 {
            subLayerProfilePresent.append(try reader.readFlag())
            subLayerLevelPresent.append(try reader.readFlag())
        }
        if maxSubLayersMinus1 > 0 {
            try reader.skip(bits: 2 * (8 - maxSubLayersMinus1))  // reserved_zero_2bits
        }
        for index in 0..<maxSubLayersMinus1 {
            if subLayerProfilePresent[index] {
                try reader.skip(bits: 88)
            }
            if subLayerLevelPresent[index] {
                try reader.skip(bits: 8)
            }
        }

        id = try reader.readUE()
        guard id <= 15 else { throw CodecError.invalidValue("sps_seq_parameter_set_id") }
        chromaFormatIdc = try reader.readUE()
        guard chromaFormatIdc <= 3 else { throw CodecError.invalidValue("chroma_format_idc") }
        separateColourPlane = chromaFormatIdc == 3 ? try reader.readFlag() : false
        codedWidth = Int(try reader.readUE())
        codedHeight = Int(try reader.readUE())
        guard codedWidth > 0, codedHeight > 0,
            codedWidth <= H264SequenceParameterSet.maxDimension,
            codedHeight <= H264SequenceParameterSet.maxDimension
        else { throw CodecError.invalidValue("picture size") }
        width = codedWidth
        height = codedHeight
        if try reader.readFlag() {  // conformance_window_flag
            let left = Int(try reader.readUE())
            let right = Int(try reader.readUE())
            let top = Int(try reader.readUE())
            let bottom = Int(try reader.readUE())
            let chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
            let subWidth = chromaArrayType == 1 || chromaArrayType == 2 ? 2 : 1
            let subHeight = chromaArrayType == 1 ? 2 : 1
            let cropWidth = (left + right) * subWidth
            let cropHeight = (top + bottom) * subHeight
            guard cropWidth < codedWidth, cropHeight < codedHeight else {
                throw CodecError.invalidValue("conformance window")
            }
            width = codedWidth - cropWidth
            height = codedHeight - cropHeight
        }
        let lumaMinus8 = try reader.readUE()
        let chromaMinus8 = try reader.readUE()
        guard lumaMinus8 <= 8, chromaMinus8 <= 8 else { throw CodecError.invalidValue("bit_depth_minus8") }
        bitDepthLuma = Int(lumaMinus8) + 8
        bitDepthChroma = Int(chromaMinus8) + 8
    }
}
