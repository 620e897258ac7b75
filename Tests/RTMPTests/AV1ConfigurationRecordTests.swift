import NIOCore
import Testing
import WeirFormats
@testable import RTMP

/// The plugin's av1C reading: codec string, picture size and OBU handling.
@Suite struct AV1ConfigurationRecordTests {
    @Test func goldenRecordGivesCodecStringAndSize() throws {
        let record = try AV1ConfigurationRecord(parsing: ByteBuffer(bytes: EnhancedRTMPVectors.av1C))
        #expect(record.seqProfile == 0 && record.seqLevelIndex == 0 && !record.seqTier)
        #expect(record.bitDepth == 8)
        #expect(record.codecString == "av01.0.00M.08")
        #expect(record.maxFrameWidth == 64 && record.maxFrameHeight == 64)
        #expect(record.bytes == EnhancedRTMPVectors.av1C)
    }

    @Test(arguments: [
        // seq_profile/level byte, tier/depth byte, codec string
        (UInt8(0x08), UInt8(0x4C), "av01.0.08M.10"),  // profile 0, level 4.0, 10-bit
        (UInt8(0x2D), UInt8(0x80), "av01.1.13H.08"),  // profile 1, level 5.1, High tier
        (UInt8(0x4C), UInt8(0xE0), "av01.2.12H.12"),  // profile 2, level 5.0, twelve_bit
        (UInt8(0x4C), UInt8(0x40), "av01.2.12M.10"),  // profile 2 without twelve_bit
    ])
    func codecStringFields(levelByte: UInt8, depthByte: UInt8, expected: String) throws {
        let record = try AV1ConfigurationRecord(parsing: ByteBuffer(bytes: [0x81, levelByte, depthByte, 0x00]))
        #expect(record.codecString == expected)
        #expect(record.maxFrameWidth == nil)
    }

    @Test func badRecordsThrow() {
        #expect(throws: CodecError.self) { try AV1ConfigurationRecord(parsing: ByteBuffer(bytes: [0x81, 0x00])) }
        #expect(throws: CodecError.self) { try AV1ConfigurationRecord(parsing: ByteBuffer(bytes: [0x01, 0x00, 0x0C, 0x00])) }
        #expect(throws: CodecError.self) { try AV1ConfigurationRecord(parsing: ByteBuffer(bytes: [0x82, 0x00, 0x0C, 0x00])) }
    }

    @Test func aBrokenSequenceHeaderOnlyLosesTheSize() throws {
        // The sequence header OBU claims 10 bytes but holds 3.
        let record = try AV1ConfigurationRecord(parsing: ByteBuffer(bytes: [0x81, 0x00, 0x0C, 0x00, 0x0A, 0x0A, 0x00, 0x00, 0x00]))
        #expect(record.codecString == "av01.0.00M.08")
        #expect(record.maxFrameWidth == nil && record.maxFrameHeight == nil)
    }

    @Test func reducedStillPictureHeaderSize() throws {
        // seq_profile 0, still_picture 1, reduced_still_picture_header 1, seq_level_idx 0;
        // frame_width_bits_minus_1 9, frame_height_bits_minus_1 8; width 1000, height 300.
        var writer = BitWriter()
        writer.write(0, bits: 3)
        writer.write(1, bits: 1)
        writer.write(1, bits: 1)
        writer.write(0, bits: 5)
        writer.write(9, bits: 4)
        writer.write(8, bits: 4)
        writer.write(999, bits: 10)
        writer.write(299, bits: 9)
        let payload = writer.bytes
        let size = try AV1ConfigurationRecord.maxFrameSize(sequenceHeader: ArraySlice(payload))
        #expect(size.width == 1000 && size.height == 300)
    }

    @Test func temporalDelimitersAreRemoved() {
        let frame: [UInt8] = [0x32, 0x03, 0xAA, 0xBB, 0xCC]
        let unit = ByteBuffer(bytes: [0x12, 0x00] + frame)
        #expect(Array(AV1OBU.removingTemporalDelimiters(unit).readableBytesView) == frame)
        // No delimiter: the same buffer.
        #expect(Array(AV1OBU.removingTemporalDelimiters(ByteBuffer(bytes: frame)).readableBytesView) == frame)
        // A delimiter followed by an OBU whose size runs past the end: passed on as sent.
        let broken: [UInt8] = [0x12, 0x00, 0x32, 0x7F, 0x01]
        #expect(Array(AV1OBU.removingTemporalDelimiters(ByteBuffer(bytes: broken)).readableBytesView) == broken)
        // A size field longer than eight bytes is malformed.
        var input = ArraySlice<UInt8>([0x32] + [UInt8](repeating: 0x80, count: 9) + [0x00])
        #expect(throws: CodecError.self) { try AV1OBU.next(&input) }
    }
}
