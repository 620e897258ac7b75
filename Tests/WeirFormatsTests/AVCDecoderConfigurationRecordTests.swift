import NIOCore
import Testing
import WeirFormats

@Suite struct AVCDecoderConfigurationRecordTests {
    /// The avcC that ffmpeg's FLV muxer wrote for a 320x240 libx264 stream (High, level 1.3).
    static let ffmpegAVCC =
        "0164000dffe100196764000dacd94141fb0110000003001000000303c0f142996001000668ebe3cb22c0fdf8f800"

    @Test func parsesAnFFmpegRecord() throws {
        let record = try AVCDecoderConfigurationRecord(parsing: fixtureBuffer(Self.ffmpegAVCC))
        #expect(record.profileIndication == 100)
        #expect(record.profileCompatibility == 0)
        #expect(record.levelIndication == 13)
        #expect(record.nalLengthSize == 4)
        #expect(record.sequenceParameterSets == [fixtureBytes("6764000dacd94141fb0110000003001000000303c0f1429960")])
        #expect(record.pictureParameterSets == [fixtureBytes("68ebe3cb22c0")])
        let ext = try #require(record.highProfileExtension)
        #expect(ext.chromaFormat == 1)
        #expect(ext.bitDepthLumaMinus8 == 0)
        #expect(ext.bitDepthChromaMinus8 == 0)
        #expect(ext.sequenceParameterSetExtensions.isEmpty)
        #expect(record.codecString == "avc1.64000d")
        let sps = try #require(try record.sequenceParameterSet())
        #expect(sps.width == 320)
        #expect(sps.height == 240)
        #expect(sps.frameRate == 30)
    }

    @Test func serializesBackToTheSameBytes() throws {
        let record = try AVCDecoderConfigurationRecord(parsing: fixtureBytes(Self.ffmpegAVCC))
        #expect(record.bytes == fixtureBytes(Self.ffmpegAVCC))
        var buffer = ByteBuffer(bytes: [0xAA])
        record.write(to: &buffer)
        #expect(Array(buffer.readableBytesView) == [0xAA] + fixtureBytes(Self.ffmpegAVCC))
    }

    @Test func ignoresATruncatedHighProfileExtension() throws {
        let bytes = fixtureBytes(Self.ffmpegAVCC)
        for cut in 1...4 {
            let record = try AVCDecoderConfigurationRecord(parsing: bytes.dropLast(cut))
            #expect(record.highProfileExtension == nil)
            #expect(record.pictureParameterSets.count == 1)
        }
        // An extension announcing an SPS extension that is missing is ignored too.
        let record = try AVCDecoderConfigurationRecord(parsing: bytes.dropLast() + [0x01, 0x00, 0x05])
        #expect(record.highProfileExtension == nil)
    }

    @Test func buildsFromParameterSets() throws {
        let sps = fixtureBytes(SPSFixtures.high720p)
        let pps = fixtureBytes("68ebe3cb22c0")
        let record = try AVCDecoderConfigurationRecord(sequenceParameterSets: [sps], pictureParameterSets: [pps])
        #expect(record.codecString == "avc1.64001f")
        #expect(record.nalLengthSize == 4)
        #expect(record.highProfileExtension?.chromaFormat == 1)
        let reparsed = try AVCDecoderConfigurationRecord(parsing: record.bytes)
        #expect(reparsed == record)

        let baseline = try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [fixtureBytes(SPSFixtures.baseline360p)],
            pictureParameterSets: [fixtureBytes("68cb83cb20")],
            nalLengthSize: 2
        )
        #expect(baseline.codecString == "avc1.42c016")
        #expect(baseline.highProfileExtension == nil)
        #expect(baseline.bytes[4] == 0xFD)
        #expect(try AVCDecoderConfigurationRecord(parsing: baseline.bytes) == baseline)

        let high444 = try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [fixtureBytes(SPSFixtures.high444)],
            pictureParameterSets: []
        )
        #expect(high444.codecString == "avc1.f4001f")
        #expect(high444.highProfileExtension == nil)  // 244 is not one of the avcC extension profiles
    }

    @Test func rejectsBadBuilderInput() {
        #expect(throws: CodecError.truncated("SPS")) {
            try AVCDecoderConfigurationRecord(sequenceParameterSets: [], pictureParameterSets: [])
        }
        #expect(throws: CodecError.invalidNALLengthSize(3)) {
            try AVCDecoderConfigurationRecord(
                sequenceParameterSets: [fixtureBytes(SPSFixtures.high720p)],
                pictureParameterSets: [],
                nalLengthSize: 3
            )
        }
        #expect(throws: CodecError.invalidValue("parameter set length")) {
            try AVCDecoderConfigurationRecord(
                sequenceParameterSets: [fixtureBytes(SPSFixtures.high720p)],
                pictureParameterSets: [[UInt8](repeating: 0x68, count: 70_000)]
            )
        }
    }

    @Test func rejectsMalformedRecords() {
        #expect(throws: CodecError.truncated("avcC header")) {
            try AVCDecoderConfigurationRecord(parsing: fixtureBytes("01 64 00"))
        }
        #expect(throws: CodecError.unsupportedConfigurationVersion(0)) {
            try AVCDecoderConfigurationRecord(parsing: fixtureBytes("00 64 00 1f ff e1"))
        }
        #expect(throws: CodecError.invalidNALLengthSize(3)) {
            try AVCDecoderConfigurationRecord(parsing: fixtureBytes("01 64 00 1f fe e0 00"))
        }
        #expect(throws: CodecError.truncated("avcC SPS")) {
            try AVCDecoderConfigurationRecord(parsing: fixtureBytes("01 64 00 1f ff e1 00 19 67 64"))
        }
        #expect(throws: CodecError.truncated("avcC PPS count")) {
            try AVCDecoderConfigurationRecord(parsing: fixtureBytes("01 64 00 1f ff e1 00 02 67 64"))
        }
        #expect(throws: CodecError.truncated("avcC PPS")) {
            try AVCDecoderConfigurationRecord(parsing: fixtureBytes("01 64 00 1f ff e0 02 00 01 68"))
        }
    }

    @Test func fallsBackToTheHeaderForTheCodecString() throws {
        let record = try AVCDecoderConfigurationRecord(parsing: fixtureBytes("01 4d 40 1e ff e0 00"))
        #expect(record.sequenceParameterSets.isEmpty)
        #expect(record.codecString == "avc1.4d401e")
        #expect(try record.sequenceParameterSet() == nil)
    }

    @Test func survivesMutatedInput() throws {
        var random = FixtureRandom(seed: 0xA7CC)
        var parsed = 0
        for bytes in random.mutations(of: fixtureBytes(Self.ffmpegAVCC), count: 3_000) {
            guard let record = try? AVCDecoderConfigurationRecord(parsing: bytes) else { continue }
            parsed += 1
            #expect(try AVCDecoderConfigurationRecord(parsing: record.bytes) == record)
            #expect(record.codecString.count == 11)
        }
        // Some mutations must stay valid, or the checks above never run.
        #expect(parsed > 0)
    }
}
