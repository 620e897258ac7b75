/// The fields of an H.264 sequence parameter set that a packager needs.
///
/// Parses `seq_parameter_set_data()` (ITU-T H.264 7.3.2.1.1) far enough to
/// know the coded size, the display size after cropping, and the VUI sample
/// aspect ratio and timing. Scaling lists are walked but not kept.
public struct H264SequenceParameterSet: Sendable, Hashable {
    /// The profiles whose SPS carries chroma format, bit depth and scaling lists.
    static let highProfiles: Set<UInt8> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    /// The largest coded width or height accepted.
    static let maxDimension = 16_384

    /// `profile_idc`.
    public var profileIdc: UInt8
    /// The byte holding `constraint_set0_flag` through `constraint_set5_flag` and the reserved bits.
    public var constraintFlags: UInt8
    /// `level_idc`.
    public var levelIdc: UInt8
    /// `seq_parameter_set_id`.
    public var id: UInt32
    /// `chroma_format_idc`: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.
    public var chromaFormatIdc: UInt32
    /// `separate_colour_plane_flag`.
    public var separateColourPlane: Bool
    /// Luma sample bit depth.
    public var bitDepthLuma: Int
    /// Chroma sample bit depth.
    public var bitDepthChroma: Int
    /// `log2_max_frame_num_minus4 + 4`.
    public var log2MaxFrameNum: Int
    /// `pic_order_cnt_type`: 0, 1 or 2.
    public var picOrderCountType: UInt32
    /// `log2_max_pic_order_cnt_lsb_minus4 + 4` when ``picOrderCountType`` is 0.
    public var log2MaxPicOrderCountLsb: Int?
    /// `max_num_ref_frames`.
    public var maxNumRefFrames: UInt32
    /// `frame_mbs_only_flag`: false for streams that may code fields.
    public var frameMbsOnly: Bool
    /// Coded width in luma samples, before cropping.
    public var codedWidth: Int
    /// Coded height in luma samples, before cropping.
    public var codedHeight: Int
    /// Display width after the cropping rectangle.
    public var width: Int
    /// Display height after the cropping rectangle.
    public var height: Int
    /// The VUI sample aspect ratio as (width, height), when signalled.
    public var sampleAspectRatio: SampleAspectRatio?
    /// The VUI timing information, when signalled.
    public var timing: Timing?

    /// A pixel aspect ratio.
    public struct SampleAspectRatio: Sendable, Hashable {
        /// Horizontal spacing.
        public var width: UInt32
        /// Vertical spacing.
        public var height: UInt32

        /// Creates a ratio.
        ///
        /// - Parameters:
        ///   - width: Horizontal spacing.
        ///   - height: Vertical spacing.
        public init(width: UInt32, height: UInt32) {
            self.width = width
            self.height = height
        }
    }

    /// VUI timing information.
    public struct Timing: Sendable, Hashable {
        /// `num_units_in_tick`.
        public var numUnitsInTick: UInt32
        /// `time_scale`.
        public var timeScale: UInt32
        /// `fixed_frame_rate_flag`.
        public var fixedFrameRate: Bool

        /// Creates timing information.
        ///
        /// - Parameters:
        ///   - numUnitsInTick: `num_units_in_tick`.
        ///   - timeScale: `time_scale`.
        ///   - fixedFrameRate: `fixed_frame_rate_flag`.
        public init(numUnitsInTick: UInt32, timeScale: UInt32, fixedFrameRate: Bool) {
            self.numUnitsInTick = numUnitsInTick
            self.timeScale = timeScale
            self.fixedFrameRate = fixedFrameRate
        }
    }

    /// The nominal frame rate from the VUI timing, `time_scale / (2 * num_units_in_tick)`.
    ///
    /// For display only; media timing always uses the stream's integer timestamps.
    public var frameRate: Double? {
        guard let timing, timing.numUnitsInTick > 0, timing.timeScale > 0 else { return nil }
        return Double(timing.timeScale) / (2 * Double(timing.numUnitsInTick))
    }

    /// Parses an SPS NAL unit.
    ///
    /// - Parameters:
    ///   - nalUnit: The NAL unit including its one-byte header, still containing
    ///     emulation prevention bytes; they are removed here.
    /// - Throws: ``CodecError`` when the unit is not an SPS or is malformed.
    public init(nalUnit: some Collection<UInt8>) throws(CodecError) {
        guard let header = nalUnit.first else { throw .truncated("SPS NAL header") }
        let type = H264NALUnitType(headerByte: header)
        guard type == .sequenceParameterSet else { throw .unexpectedNALUnitType(type.rawValue) }
        let rbsp = NALUnit.removingEmulationPrevention(nalUnit.dropFirst())
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
        profileIdc = UInt8(try reader.read(bits: 8))
        constraintFlags = UInt8(try reader.read(bits: 8))
        levelIdc = UInt8(try reader.read(bits: 8))
        id = try reader.readUE()
        guard id <= 31 else { throw CodecError.invalidValue("seq_parameter_set_id") }

        chromaFormatIdc = 1
        separateColourPlane = false
        bitDepthLuma = 8
        bitDepthChroma = 8
        if Self.highProfiles.contains(profileIdc) {
            chromaFormatIdc = try reader.readUE()
            guard chromaFormatIdc <= 3 else { throw CodecError.invalidValue("chroma_format_idc") }
            if chromaFormatIdc == 3 {
                separateColourPlane = try reader.readFlag()
            }
            let lumaMinus8 = try reader.readUE()
            let chromaMinus8 = try reader.readUE()
            guard lumaMinus8 <= 6, chromaMinus8 <= 6 else { throw CodecError.invalidValue("bit_depth_minus8") }
            bitDepthLuma = Int(lumaMinus8) + 8
            bitDepthChroma = Int(chromaMinus8) + 8
            _ = try reader.readFlag()  // qpprime_y_zero_transform_bypass_flag
            if try reader.readFlag() {  // seq_scaling_matrix_present_flag
                let listCount = chromaFormatIdc == 3 ? 12 : 8
                for index in 0..<listCount {
                    if try reader.readFlag() {  // seq_scaling_list_present_flag
                        try Self.skipScalingList(&reader, size: index < 6 ? 16 : 64)
                    }
                }
            }
        }

        let log2MaxFrameNumMinus4 = try reader.readUE()
        guard log2MaxFrameNumMinus4 <= 12 else { throw CodecError.invalidValue("log2_max_frame_num_minus4") }
        log2MaxFrameNum = Int(log2MaxFrameNumMinus4) + 4

        picOrderCountType = try reader.readUE()
        log2MaxPicOrderCountLsb = nil
        switch picOrderCountType {
        case 0:
            let lsbMinus4 = try reader.readUE()
            guard lsbMinus4 <= 12 else { throw CodecError.invalidValue("log2_max_pic_order_cnt_lsb_minus4") }
            log2MaxPicOrderCountLsb = Int(lsbMinus4) + 4
        case 1:
            _ = try reader.readFlag()  // delta_pic_order_always_zero_flag
            _ = try reader.readSE()  // offset_for_non_ref_pic
            _ = try reader.readSE()  // offset_for_top_to_bottom_field
            let cycleLength = try reader.readUE()
            guard cycleLength <= 255 else { throw CodecError.invalidValue("num_ref_frames_in_pic_order_cnt_cycle") }
            for _ in 0..<cycleLength {
                _ = try reader.readSE()
            }
        case 2:
            break
        default:
            throw CodecError.invalidValue("pic_order_cnt_type")
        }

        maxNumRefFrames = try reader.readUE()
        _ = try reader.readFlag()  // gaps_in_frame_num_value_allowed_flag
        let widthInMbs = Int(try reader.readUE()) + 1
        let heightInMapUnits = Int(try reader.readUE()) + 1
        frameMbsOnly = try reader.readFlag()
        if !frameMbsOnly {
            _ = try reader.readFlag()  // mb_adaptive_frame_field_flag
        }
        _ = try reader.readFlag()  // direct_8x8_inference_flag

        let fieldFactor = frameMbsOnly ? 1 : 2
        // Larger than any level allows; refusing it keeps sizes within 16 bits for muxers.
        guard widthInMbs * 16 <= Self.maxDimension, heightInMapUnits * 16 * fieldFactor <= Self.maxDimension else {
            throw CodecError.invalidValue("picture size")
        }
        codedWidth = widthInMbs * 16
        codedHeight = heightInMapUnits * 16 * fieldFactor
        width = codedWidth
        height = codedHeight
        if try reader.readFlag() {  // frame_cropping_flag
            let left = Int(try reader.readUE())
            let right = Int(try reader.readUE())
            let top = Int(try reader.readUE())
            let bottom = Int(try reader.readUE())
            let chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
            let cropUnitX: Int
            let cropUnitY: Int
            switch chromaArrayType {
            case 1:
                cropUnitX = 2
                cropUnitY = 2 * fieldFactor
            case 2:
                cropUnitX = 2
                cropUnitY = fieldFactor
            default:
                // Monochrome, 4:4:4 and separate colour planes crop in whole luma samples.
                cropUnitX = 1
                cropUnitY = fieldFactor
            }
            let cropWidth = (left + right) * cropUnitX
            let cropHeight = (top + bottom) * cropUnitY
            guard cropWidth < codedWidth, cropHeight < codedHeight else {
                throw CodecError.invalidValue("frame cropping")
            }
            width = codedWidth - cropWidth
            height = codedHeight - cropHeight
        }

        sampleAspectRatio = nil
        timing = nil
        if try reader.readFlag() {  // vui_parameters_present_flag
            // The VUI is advisory: a truncated or odd VUI keeps what was read before it.
            try? parseVUI(&reader)
        }
    }

    private mutating func parseVUI(_ reader: inout BitReader) throws(BitstreamError) {
        if try reader.readFlag() {  // aspect_ratio_info_present_flag
            let idc = try reader.read(bits: 8)
            if idc == 255 {  // Extended_SAR
                let sarWidth = try reader.read(bits: 16)
                let sarHeight = try reader.read(bits: 16)
                if sarWidth > 0, sarHeight > 0 {
                    sampleAspectRatio = SampleAspectRatio(width: sarWidth, height: sarHeight)
                }
            } else if let ratio = Self.sampleAspectRatioTable[Int(idc)] {
                sampleAspectRatio = ratio
            }
        }
        if try reader.readFlag() {  // overscan_info_present_flag
            _ = try reader.readFlag()
        }
        if try reader.readFlag() {  // video_signal_type_present_flag
            try reader.skip(bits: 4)  // video_format, video_full_range_flag
            if try reader.readFlag() {  // colour_description_present_flag
                try reader.skip(bits: 24)
            }
        }
        if try reader.readFlag() {  // chroma_loc_info_present_flag
            _ = try reader.readUE()
            _ = try reader.readUE()
        }
        if try reader.readFlag() {  // timing_info_present_flag
            let numUnitsInTick = try reader.read(bits: 32)
            let timeScale = try reader.read(bits: 32)
            let fixed = try reader.readFlag()
            timing = Timing(numUnitsInTick: numUnitsInTick, timeScale: timeScale, fixedFrameRate: fixed)
        }
    }

    /// Walks a `scaling_list()` without keeping it (H.264 7.3.2.1.1.1).
    private static func skipScalingList(_ reader: inout BitReader, size: Int) throws(BitstreamError) {
        var lastScale = 8
        var nextScale = 8
        for _ in 0..<size {
            if nextScale != 0 {
                let delta = Int(try reader.readSE())
                nextScale = ((lastScale + delta) % 256 + 256) % 256
            }
            if nextScale != 0 {
                lastScale = nextScale
            }
        }
    }

    /// Table E-1: `aspect_ratio_idc` 1 through 16.
    private static let sampleAspectRatioTable: [Int: SampleAspectRatio] = {
        let pairs: [(UInt32, UInt32)] = [
            (1, 1), (12, 11), (10, 11), (16, 11), (40, 33), (24, 11), (20, 11), (32, 11),
            (80, 33), (18, 11), (15, 11), (64, 33), (160, 99), (4, 3), (3, 2), (2, 1),
        ]
        var table: [Int: SampleAspectRatio] = [:]
        for (index, pair) in pairs.enumerated() {
            table[index + 1] = SampleAspectRatio(width: pair.0, height: pair.1)
        }
        return table
    }()
}
