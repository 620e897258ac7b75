import NIOCore
import Testing
import WeirFormats

@Suite struct HEVCDecoderConfigurationRecordTests {
    /// The hvcC that ffmpeg's MP4 muxer wrote for 1280x720 libx265 Main (its SEI array left out).
    static let main720p =
        "0101600000009000000000005df000fcfdf8f800000f03a00001001840010c01ffff01600000030090000003000003005d959809"
        + "a10001002b42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10"
        + "a2000100074401c172b46240"
    /// The hvcC for 854x480 libx265 Main 10, level 3: 856 coded columns and a conformance window.
    static let main10480p =
        "0102200000009000000000005af000fcfdfafa00000f03a00001001840010c01ffff02200000030090000003000003005a959809"
        + "a10001002c42010102200000030090000003000003005aa006b201e1d6d96566924caf016808000003000800000300f040"
        + "a2000100074401c172b46240"

    @Test func parsesMain720p() throws {
        let record = try HEVCDecoderConfigurationRecord(parsing: fixtureBuffer(Self.main720p))
        #expect(record.generalProfileSpace == 0)
        #expect(!record.generalTierFlag)
        #expect(record.generalProfileIdc == 1)
        #expect(record.generalProfileCompatibilityFlags == 0x6000_0000)
        #expect(record.generalConstraintIndicatorFlags == 0x9000_0000_0000)
        #expect(record.generalLevelIdc == 93)
        #expect(record.chromaFormat == 1)
        #expect(record.bitDepthLumaMinus8 == 0)
        #expect(record.numTemporalLayers == 1)
        #expect(record.temporalIdNested)
        #expect(record.nalLengthSize == 4)
        #expect(record.arrays.map(\.nalUnitType) == [.videoParameterSet, .sequenceParameterSet, .pictureParameterSet])
        #expect(record.arrays.allSatisfy { $0.arrayCompleteness })
        #expect(record.videoParameterSets.count == 1)
        #expect(record.sequenceParameterSets.first?.count == 43)
        #expect(record.pictureParameterSets == [fixtureBytes("4401c172b46240")])
        #expect(record.codecString == "hvc1.1.6.L93.90")
        #expect(record.codecString(sampleEntry: "hev1") == "hev1.1.6.L93.90")
        #expect(record.bytes == fixtureBytes(Self.main720p))
    }

    @Test func readsTheSizeFromTheSPS() throws {
        let record = try HEVCDecoderConfigurationRecord(parsing: fixtureBytes(Self.main720p))
        let sps = try #require(try record.sequenceParameterSet())
        #expect(sps.width == 1280)
        #expect(sps.height == 720)
        #expect(sps.generalProfileIdc == 1)
        #expect(sps.generalLevelIdc == 93)
        #expect(sps.bitDepthLuma == 8)
    }

    @Test func parsesMain10WithAConformanceWindow() throws {
        let record = try HEVCDecoderConfigurationRecord(parsing: fixtureBytes(Self.main10480p))
        #expect(record.generalProfileIdc == 2)
        #expect(record.bitDepthLumaMinus8 == 2)
        #expect(record.codecString == "hvc1.2.4.L90.90")
        let sps = try #require(try record.sequenceParameterSet())
        #expect(sps.codedWidth == 856)
        #expect(sps.width == 854)
        #expect(sps.height == 480)
        #expect(sps.bitDepthLuma == 10)
        #expect(sps.bitDepthChroma == 10)
    }

    @Test func buildsFromParameterSets() throws {
        let parsed = try HEVCDecoderConfigurationRecord(parsing: fixtureBytes(Self.main720p))
        let built = try HEVCDecoderConfigurationRecord(
            videoParameterSets: parsed.videoParameterSets,
            sequenceParameterSets: parsed.sequenceParameterSets,
            pictureParameterSets: parsed.pictureParameterSets
        )
        #expect(built.codecString == "hvc1.1.6.L93.90")
        #expect(built.arrays == parsed.arrays)
        #expect(built.numTemporalLayers == 1)
        #expect(built.temporalIdNested)
        #expect(try HEVCDecoderConfigurationRecord(parsing: built.bytes) == built)
        #expect(throws: CodecError.unexpectedNALUnitType(34)) {
            try HEVCDecoderConfigurationRecord(
                videoParameterSets: [],
                sequenceParameterSets: parsed.pictureParameterSets,
                pictureParameterSets: []
            )
        }
    }

    @Test func formatsCodecStringsPerISO14496_15() throws {
        // The example of ISO/IEC 14496-15 annex E: profile space 1, profile 4,
        // compatibility flags reversing to 0x41, High tier level 120, constraint bytes B0 23.
        var header = fixtureBytes("01 64 82000000 B02300000000 78 f000 fc fd f8 f8 0000 0f 00")
        var record = try HEVCDecoderConfigurationRecord(parsing: header)
        #expect(record.codecString(sampleEntry: "hev1") == "hev1.A4.41.H120.B0.23")

        // All constraint bytes zero: none are written.
        header = fixtureBytes("01 01 60000000 000000000000 5d f000 fc fd f8 f8 0000 0f 00")
        record = try HEVCDecoderConfigurationRecord(parsing: header)
        #expect(record.codecString == "hvc1.1.6.L93")
    }

    @Test func rejectsMalformedRecords() {
        let valid = fixtureBytes(Self.main720p)
        #expect(throws: CodecError.truncated("hvcC header")) {
            try HEVCDecoderConfigurationRecord(parsing: valid.prefix(22))
        }
        #expect(throws: CodecError.unsupportedConfigurationVersion(2)) {
            try HEVCDecoderConfigurationRecord(parsing: [0x02] + valid.dropFirst())
        }
        for cut in [1, 8, 30] {
            #expect(throws: CodecError.self) {
                try HEVCDecoderConfigurationRecord(parsing: valid.dropLast(cut))
            }
        }
        var badLength = valid
        badLength[21] = 0x0E  // lengthSizeMinusOne 2
        #expect(throws: CodecError.invalidNALLengthSize(3)) {
            try HEVCDecoderConfigurationRecord(parsing: badLength)
        }
    }

    @Test func rejectsMalformedSPS() {
        #expect(throws: CodecError.unexpectedNALUnitType(32)) {
            try HEVCSequenceParameterSet(nalUnit: fixtureBytes("40010c01ffff016000000300"))
        }
        #expect(throws: CodecError.truncated("SPS")) {
            try HEVCSequenceParameterSet(nalUnit: fixtureBytes("420101016000000300900000"))
        }
    }

    @Test func survivesMutatedInput() throws {
        var random = FixtureRandom(seed: 0x4E7C)
        var parsed = 0
        for seed in [Self.main720p, Self.main10480p] {
            for bytes in random.mutations(of: fixtureBytes(seed), count: 2_000) {
                guard let record = try? HEVCDecoderConfigurationRecord(parsing: bytes) else { continue }
                parsed += 1
                #expect(try HEVCDecoderConfigurationRecord(parsing: record.bytes) == record)
                #expect(record.codecString.hasPrefix("hvc1."))
                if let sps = try? record.sequenceParameterSet() {
                    #expect(sps.width > 0 && sps.width <= sps.codedWidth)
                    #expect(sps.height > 0 && sps.height <= sps.codedHeight)
                }
            }
        }
        // Some mutations must stay valid, or the checks above never run.
        #expect(parsed > 0)
    }
}
