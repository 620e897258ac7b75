import NIOCore
import Testing
import WeirFormats

/// SPS fixtures written by libx264 (via ffmpeg) or built bit by bit and checked with ffmpeg's trace_headers.
enum SPSFixtures {
    /// testsrc2 1280x720 at 30 fps, High profile, level 3.1.
    static let high720p = "6764001facd9405005bb0110000003001000000303c0f1831960"
    /// testsrc2 1920x1080 at 25 fps, High profile, level 4.0: 1088 coded lines cropped to 1080.
    static let high1080p = "67640028acd940780227e5c044000003000400000300c83c60c658"
    /// testsrc2 640x360 at 15 fps, Constrained Baseline, level 2.2, pic_order_cnt_type 2.
    static let baseline360p = "6742c016d900a02ff970110000030001000003001e0f162e48"
    /// 854x480 at 30000/1001 fps, High 4:4:4 Predictive: crop of 10 whole luma columns.
    static let high444 = "67f4001f919b281b07bc5f808800001f480007530078c18cb0"
    /// 1920x1080 at 25 fps, High 4:2:2: crop of 8 luma lines (one crop unit each).
    static let high422 = "677a0028bcd940780227e27011000003000100000300320f183196"
    /// 720x576 interlaced (frame_mbs_only_flag 0), 25 fps.
    static let interlaced576 = "6764001eacd940b424d8088000000300800000190f8a14cb"
    /// The 720p SPS with seq_scaling_matrix_present_flag set: explicit, default and early-terminated lists.
    static let scalingLists720p =
        "6764001fad9519e28790843ac44221332104a5185042d9405005bb0110000003001000000303c0f1831960"
    /// Main profile 352x288, pic_order_cnt_type 1 with a 3-entry cycle, SAR 64:45, 24 fps timing.
    static let pocType1 = "674d401eb43a2118a60b04b7fe0080005ad404040500000303e80000bb8084"
}

@Suite struct AVCSequenceParameterSetTests {
    @Test func parsesHigh720p() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.high720p))
        #expect(sps.profileIdc == 100)
        #expect(sps.constraintFlags == 0)
        #expect(sps.levelIdc == 31)
        #expect(sps.chromaFormatIdc == 1)
        #expect(sps.bitDepthLuma == 8)
        #expect(sps.log2MaxFrameNum == 4)
        #expect(sps.picOrderCountType == 0)
        #expect(sps.log2MaxPicOrderCountLsb == 6)
        #expect(sps.maxNumRefFrames == 4)
        #expect(sps.frameMbsOnly)
        #expect(sps.width == 1280)
        #expect(sps.height == 720)
        #expect(sps.codedHeight == 720)
        #expect(sps.sampleAspectRatio?.width == 1)
        #expect(sps.sampleAspectRatio?.height == 1)
        #expect(sps.timing?.numUnitsInTick == 1)
        #expect(sps.timing?.timeScale == 60)
        #expect(sps.frameRate == 30)
    }

    @Test func cropsHigh1080p() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.high1080p))
        #expect(sps.levelIdc == 40)
        #expect(sps.codedWidth == 1920)
        #expect(sps.codedHeight == 1088)
        #expect(sps.width == 1920)
        #expect(sps.height == 1080)
        #expect(sps.frameRate == 25)
    }

    @Test func parsesConstrainedBaseline() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.baseline360p))
        #expect(sps.profileIdc == 66)
        #expect(sps.constraintFlags == 0xC0)
        #expect(sps.levelIdc == 22)
        #expect(sps.chromaFormatIdc == 1)
        #expect(sps.picOrderCountType == 2)
        #expect(sps.log2MaxPicOrderCountLsb == nil)
        #expect(sps.width == 640)
        #expect(sps.height == 360)
        #expect(sps.codedHeight == 368)
        #expect(sps.frameRate == 15)
    }

    @Test func cropsInWholeSamplesFor444() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.high444))
        #expect(sps.profileIdc == 244)
        #expect(sps.chromaFormatIdc == 3)
        #expect(!sps.separateColourPlane)
        #expect(sps.codedWidth == 864)
        #expect(sps.width == 854)
        #expect(sps.height == 480)
        #expect(sps.timing?.numUnitsInTick == 1001)
        #expect(sps.timing?.timeScale == 60000)
        let rate = try #require(sps.frameRate)
        #expect(abs(rate - 30000.0 / 1001.0) < 1e-9)
    }

    @Test func cropsOneLinePerUnitFor422() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.high422))
        #expect(sps.profileIdc == 122)
        #expect(sps.chromaFormatIdc == 2)
        #expect(sps.codedHeight == 1088)
        #expect(sps.height == 1080)
        #expect(sps.width == 1920)
    }

    @Test func doublesMapUnitsForFieldCoding() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.interlaced576))
        #expect(!sps.frameMbsOnly)
        #expect(sps.width == 720)
        #expect(sps.height == 576)
        #expect(sps.frameRate == 25)
    }

    @Test func skipsScalingLists() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.scalingLists720p))
        #expect(sps.width == 1280)
        #expect(sps.height == 720)
        #expect(sps.log2MaxPicOrderCountLsb == 6)
        #expect(sps.frameRate == 30)
    }

    @Test func parsesPicOrderCountType1AndExtendedSAR() throws {
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.pocType1))
        #expect(sps.profileIdc == 77)
        #expect(sps.constraintFlags == 0x40)
        #expect(sps.log2MaxFrameNum == 6)
        #expect(sps.picOrderCountType == 1)
        #expect(sps.maxNumRefFrames == 2)
        #expect(sps.width == 352)
        #expect(sps.height == 288)
        #expect(sps.sampleAspectRatio?.width == 64)
        #expect(sps.sampleAspectRatio?.height == 45)
        #expect(sps.timing?.fixedFrameRate == true)
        #expect(sps.frameRate == 24)
    }

    @Test func rejectsOtherNALUnitsAndTruncation() {
        #expect(throws: CodecError.unexpectedNALUnitType(8)) {
            try H264SequenceParameterSet(nalUnit: fixtureBytes("68ebe3cb22c0"))
        }
        #expect(throws: CodecError.truncated("SPS NAL header")) {
            try H264SequenceParameterSet(nalUnit: [UInt8]())
        }
        let full = fixtureBytes(SPSFixtures.high1080p)
        // Cut inside the picture size fields: the essential part is missing.
        #expect(throws: CodecError.truncated("SPS")) {
            try H264SequenceParameterSet(nalUnit: full.prefix(7))
        }
    }

    @Test func toleratesATruncatedVUI() throws {
        // The first 16 bytes of the 1080p SPS end inside the VUI, after the aspect ratio and before the timing.
        let sps = try H264SequenceParameterSet(nalUnit: fixtureBytes(SPSFixtures.high1080p).prefix(16))
        #expect(sps.width == 1920)
        #expect(sps.height == 1080)
        #expect(sps.sampleAspectRatio == H264SequenceParameterSet.SampleAspectRatio(width: 1, height: 1))
        #expect(sps.timing == nil)
    }

    @Test func rejectsAbsurdValues() {
        // pic_order_cnt_type 3 in an otherwise plausible Main profile SPS.
        var writer = BitWriter()
        writer.write(0x67, bits: 8)
        writer.write(77, bits: 8)
        writer.write(0, bits: 8)
        writer.write(30, bits: 8)
        writer.writeUE(0)
        writer.writeUE(0)
        writer.writeUE(3)
        writer.write(0xFF, bits: 8)
        #expect(throws: CodecError.invalidValue("pic_order_cnt_type")) {
            try H264SequenceParameterSet(nalUnit: writer.bytes)
        }

        // Cropping away the whole picture.
        var crop = BitWriter()
        crop.write(0x67, bits: 8)
        crop.write(66, bits: 8)
        crop.write(0, bits: 8)
        crop.write(30, bits: 8)
        crop.writeUE(0)  // seq_parameter_set_id
        crop.writeUE(0)  // log2_max_frame_num_minus4
        crop.writeUE(2)  // pic_order_cnt_type
        crop.writeUE(1)  // max_num_ref_frames
        crop.writeFlag(false)  // gaps_in_frame_num_value_allowed_flag
        crop.writeUE(0)  // one macroblock wide
        crop.writeUE(0)  // one macroblock high
        crop.writeFlag(true)  // frame_mbs_only_flag
        crop.writeFlag(true)  // direct_8x8_inference_flag
        crop.writeFlag(true)  // frame_cropping_flag
        for offset: UInt32 in [4, 4, 0, 0] { crop.writeUE(offset) }
        crop.writeFlag(false)  // vui_parameters_present_flag
        crop.writeFlag(true)  // rbsp_stop_one_bit
        #expect(throws: CodecError.invalidValue("frame cropping")) {
            try H264SequenceParameterSet(nalUnit: crop.bytes)
        }
    }

    @Test func survivesMutatedInput() {
        var random = FixtureRandom(seed: 0x5B5)
        var parsed = 0
        let seeds = [
            SPSFixtures.high720p, SPSFixtures.high444, SPSFixtures.scalingLists720p, SPSFixtures.pocType1,
            SPSFixtures.interlaced576,
        ]
        for seed in seeds {
            for bytes in random.mutations(of: fixtureBytes(seed), count: 2_000) {
                guard let sps = try? H264SequenceParameterSet(nalUnit: bytes) else { continue }
                parsed += 1
                #expect(sps.width > 0 && sps.width <= sps.codedWidth)
                #expect(sps.height > 0 && sps.height <= sps.codedHeight)
                #expect(sps.codedWidth <= 16_384 && sps.codedHeight <= 16_384)
            }
        }
        // Some mutations must stay valid, or the checks above never run.
        #expect(parsed > 0)
    }
}
