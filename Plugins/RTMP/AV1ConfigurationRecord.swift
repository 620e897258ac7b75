import NIOCore
import WeirFormats

/// An `AV1CodecConfigurationRecord` (av1C, AV1 Codec ISO Media File Format Binding 2.3).
///
/// Enhanced RTMP carries it as the body of an AV1 sequence start and the init segment carries
/// it unchanged in the `av1C` box. The four fixed bytes give the codec string; the picture size
/// comes from the sequence header OBU among the `configOBUs`, when the encoder put one there.
struct AV1ConfigurationRecord: Sendable, Equatable {
    /// `seq_profile`: 0 Main, 1 High, 2 Professional.
    let seqProfile: UInt8
    /// `seq_level_idx_0`.
    let seqLevelIndex: UInt8
    /// `seq_tier_0`: false for Main tier, true for High tier.
    let seqTier: Bool
    /// `high_bitdepth`: 10 or 12 bits rather than 8.
    let highBitDepth: Bool
    /// `twelve_bit`: 12 bits (Professional profile only).
    let twelveBit: Bool
    /// `mono_chrome`.
    let monochrome: Bool
    /// The record as received.
    let bytes: [UInt8]
    /// The sequence header's `max_frame_width_minus_1 + 1`, when the record carries a readable one.
    let maxFrameWidth: Int?
    /// The sequence header's `max_frame_height_minus_1 + 1`, when the record carries a readable one.
    let maxFrameHeight: Int?

    static let obuSequenceHeader: UInt8 = 1

    /// Parses a record.
    ///
    /// - Parameters:
    ///   - buffer: The readable bytes hold the record.
    /// - Throws: ``CodecError`` for a wrong marker or version, or truncation. The `configOBUs`
    ///   are optional in the record, so an unreadable one only leaves the size unknown.
    init(parsing buffer: ByteBuffer) throws(CodecError) {
        let bytes = Array(buffer.readableBytesView)
        guard bytes.count >= 4 else { throw .truncated("av1C header") }
        // marker (1) and version (7): both must be 1.
        guard bytes[0] == 0x81 else {
            throw bytes[0] & 0x80 == 0 ? .invalidValue("av1C marker") : .unsupportedConfigurationVersion(bytes[0] & 0x7F)
        }
        seqProfile = bytes[1] >> 5
        seqLevelIndex = bytes[1] & 0x1F
        seqTier = bytes[2] & 0x80 != 0
        highBitDepth = bytes[2] & 0x40 != 0
        twelveBit = bytes[2] & 0x20 != 0
        monochrome = bytes[2] & 0x10 != 0
        self.bytes = bytes
        let size = (try? Self.sequenceHeader(in: bytes[4...])).flatMap { $0 }.flatMap { try? Self.maxFrameSize(sequenceHeader: $0) }
        maxFrameWidth = size?.width
        maxFrameHeight = size?.height
    }

    /// Bits per sample, from `high_bitdepth` and `twelve_bit` (AV1 5.5.2 color_config).
    var bitDepth: Int {
        guard highBitDepth else { return 8 }
        return seqProfile == 2 && twelveBit ? 12 : 10
    }

    /// The codec string `av01.P.LLT.DD` (AV1 ISO Media File Format Binding, Codecs Parameter String).
    var codecString: String {
        let level = seqLevelIndex < 10 ? "0\(seqLevelIndex)" : "\(seqLevelIndex)"
        let depth = bitDepth < 10 ? "0\(bitDepth)" : "\(bitDepth)"
        return "av01.\(seqProfile).\(level)\(seqTier ? "H" : "M").\(depth)"
    }

    /// The payload of the first sequence header OBU in a run of OBUs.
    ///
    /// - Returns: nil when there is none; an OBU without a size field runs to the end.
    static func sequenceHeader(in obus: ArraySlice<UInt8>) throws(CodecError) -> ArraySlice<UInt8>? {
        var rest = obus
        while let obu = try AV1OBU.next(&rest) {
            if obu.type == obuSequenceHeader { return obu.payload }
        }
        return nil
    }

    /// Reads `max_frame_width_minus_1` and `max_frame_height_minus_1` (AV1 5.5.1).
    static func maxFrameSize(sequenceHeader payload: ArraySlice<UInt8>) throws(CodecError) -> (width: Int, height: Int) {
        var reader = BitReader(Array(payload))
        do {
            try reader.skip(bits: 3)  // seq_profile
            try reader.skip(bits: 1)  // still_picture
            if try reader.readFlag() {  // reduced_still_picture_header
                try reader.skip(bits: 5)  // seq_level_idx[0]
            } else {
                var decoderModelInfoPresent = false
                var bufferDelayLength = 0
                if try reader.readFlag() {  // timing_info_present_flag
                    try reader.skip(bits: 64)  // num_units_in_display_tick, time_scale
                    if try reader.readFlag() {  // equal_picture_interval
                        try skipUVLC(&reader)  // num_ticks_per_picture_minus_1
                    }
                    decoderModelInfoPresent = try reader.readFlag()
                    if decoderModelInfoPresent {
                        bufferDelayLength = Int(try reader.read(bits: 5)) + 1
                        try reader.skip(bits: 32 + 5 + 5)
                    }
                }
                let initialDisplayDelayPresent = try reader.readFlag()
                let operatingPoints = Int(try reader.read(bits: 5)) + 1
                for _ in 0..<operatingPoints {
                    try reader.skip(bits: 12)  // operating_point_idc
                    if try reader.read(bits: 5) > 7 {  // seq_level_idx
                        try reader.skip(bits: 1)  // seq_tier
                    }
                    if decoderModelInfoPresent, try reader.readFlag() {
                        try reader.skip(bits: 2 * bufferDelayLength + 1)  // operating_parameters_info
                    }
                    if initialDisplayDelayPresent, try reader.readFlag() {
                        try reader.skip(bits: 4)
                    }
                }
            }
            let widthBits = Int(try reader.read(bits: 4)) + 1
            let heightBits = Int(try reader.read(bits: 4)) + 1
            let width = Int(try reader.read(bits: widthBits)) + 1
            let height = Int(try reader.read(bits: heightBits)) + 1
            return (width, height)
        } catch {
            throw error == .endOfData ? .truncated("AV1 sequence header") : .bitstream(error)
        }
    }

    /// Skips a `uvlc()` code (AV1 4.10.3).
    private static func skipUVLC(_ reader: inout BitReader) throws(BitstreamError) {
        var leadingZeros = 0
        while try !reader.readFlag() {
            leadingZeros += 1
            guard leadingZeros < 32 else { throw .expGolombOverflow }
        }
        try reader.skip(bits: leadingZeros)
    }
}
