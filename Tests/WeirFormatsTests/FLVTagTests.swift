import NIOCore
import Testing
import WeirFormats

@Suite struct FLVTagTests {
    /// The first video tag ffmpeg's FLV muxer wrote: an AVC sequence header holding an avcC.
    static let avcSequenceHeader =
        "17000000000164000dffe100196764000dacd94141fb0110000003001000000303c0f142996001000668ebe3cb22c0fdf8f800"
    /// The first 41 bytes of an ffmpeg inter frame: composition time 133 ms, one 1616-byte NAL unit.
    static let avcInterFramePrefix = "270100008500000650419a236c421fc9b75f6a02ea51fe81427c33443f87d59e3f88b844fcdf9a6674"

    @Test func parsesAnAVCSequenceHeader() throws {
        let tag = try FLVVideoTag(parsing: fixtureBuffer(Self.avcSequenceHeader))
        #expect(tag.frameType == .keyframe)
        #expect(tag.isKeyframe)
        #expect(tag.codec == .avc)
        #expect(tag.packetType == .sequenceHeader)
        #expect(tag.compositionTime == 0)
        #expect(!tag.isEnhanced)
        let record = try AVCDecoderConfigurationRecord(parsing: tag.payload)
        #expect(record.codecString == "avc1.64000d")
        #expect(record.nalLengthSize == 4)
    }

    @Test func parsesAnAVCInterFrame() throws {
        let tag = try FLVVideoTag(parsing: fixtureBuffer(Self.avcInterFramePrefix))
        #expect(tag.frameType == .interFrame)
        #expect(!tag.isKeyframe)
        #expect(tag.packetType == .codedFrames)
        #expect(tag.compositionTime == 133)
        #expect(tag.payload.readableBytesView.prefix(5) == [0x00, 0x00, 0x06, 0x50, 0x41])
        // Only a prefix of the frame is here, so the NAL unit overruns the payload.
        #expect(throws: CodecError.nalUnitLengthExceedsBuffer(length: 1616, available: 32)) {
            try NALUnit.lengthPrefixedUnits(in: tag.payload, lengthSize: 4)
        }
    }

    @Test func signExtendsCompositionTime() throws {
        let negative = try FLVVideoTag(parsing: fixtureBuffer("27 01 fffffe 00000001 41"))
        #expect(negative.compositionTime == -2)
        let largest = try FLVVideoTag(parsing: fixtureBuffer("27 01 7fffff"))
        #expect(largest.compositionTime == 8_388_607)
        let smallest = try FLVVideoTag(parsing: fixtureBuffer("27 01 800000"))
        #expect(smallest.compositionTime == -8_388_608)
        #expect(smallest.payload.readableBytes == 0)
    }

    @Test func parsesLegacyVariants() throws {
        let end = try FLVVideoTag(parsing: fixtureBuffer("17 02 000000"))
        #expect(end.packetType == .endOfSequence)

        let hevc = try FLVVideoTag(parsing: fixtureBuffer("1c 00 000000 01"))
        #expect(hevc.codec == .hevc)
        #expect(hevc.packetType == .sequenceHeader)
        #expect(!hevc.isEnhanced)

        let sorenson = try FLVVideoTag(parsing: fixtureBuffer("22 0084"))
        #expect(sorenson.codec == .other(2))
        #expect(sorenson.codec.name == "codec-2")
        #expect(sorenson.packetType == .codedFrames)
        #expect(sorenson.payload.readableBytes == 2)

        let command = try FLVVideoTag(parsing: fixtureBuffer("57 01"))
        #expect(command.frameType == .command)
        #expect(command.videoCommand == 1)

        let generated = try FLVVideoTag(parsing: fixtureBuffer("47 01 000000"))
        #expect(generated.frameType == .generatedKeyframe)
        #expect(generated.isKeyframe)
    }

    @Test func parsesEnhancedHEVCSequenceStart() throws {
        let hvcC = fixtureBytes(HEVCDecoderConfigurationRecordTests.main720p)
        let body = ByteBuffer(bytes: [0x90] + Array("hvc1".utf8) + hvcC)
        let tag = try FLVVideoTag(parsing: body)
        #expect(tag.isEnhanced)
        #expect(tag.frameType == .keyframe)
        #expect(tag.codec == .hevc)
        #expect(tag.packetType == .sequenceHeader)
        let record = try HEVCDecoderConfigurationRecord(parsing: tag.payload)
        #expect(record.codecString == "hvc1.1.6.L93.90")
    }

    @Test func readsCompositionTimeOnlyForCodedFrames() throws {
        let coded = try FLVVideoTag(parsing: fixtureBuffer("91 68766331 ffffd8 00000002 2601"))
        #expect(coded.packetType == .codedFrames)
        #expect(coded.compositionTime == -40)
        #expect(Array(coded.payload.readableBytesView) == fixtureBytes("00000002 2601"))

        let codedX = try FLVVideoTag(parsing: fixtureBuffer("a3 68766331 00000002 0201"))
        #expect(codedX.frameType == .interFrame)
        #expect(codedX.packetType == .codedFrames)
        #expect(codedX.compositionTime == 0)
        #expect(Array(codedX.payload.readableBytesView) == fixtureBytes("00000002 0201"))

        // AV1 coded frames carry OBUs with no composition time.
        let av1 = try FLVVideoTag(parsing: fixtureBuffer("91 61763031 12000a0b"))
        #expect(av1.codec == .av1)
        #expect(av1.compositionTime == 0)
        #expect(Array(av1.payload.readableBytesView) == fixtureBytes("12000a0b"))

        let vp9 = try FLVVideoTag(parsing: fixtureBuffer("90 76703039 01"))
        #expect(vp9.codec == .vp9)
        #expect(vp9.packetType == .sequenceHeader)
    }

    @Test func parsesOtherEnhancedPacketTypes() throws {
        let end = try FLVVideoTag(parsing: fixtureBuffer("92 61766331"))
        #expect(end.codec == .avc)
        #expect(end.packetType == .endOfSequence)

        let metadata = try FLVVideoTag(parsing: fixtureBuffer("94 68766331 02 0009 636f6c6f72496e666f 03 000009"))
        #expect(metadata.packetType == .metadata)
        let values = try AMF0Decoder.decodeAll(metadata.payload)
        #expect(values == [.string("colorInfo"), .object(AMF0Object())])

        let unknownCodec = try FLVVideoTag(parsing: fixtureBuffer("91 76703038 aa"))
        #expect(unknownCodec.codec == .other(0x7670_3038))
        #expect(unknownCodec.codec.name == "vp08")

        let reserved = try FLVVideoTag(parsing: fixtureBuffer("9e 68766331 aa"))
        #expect(reserved.packetType == .other(14))

        let command = try FLVVideoTag(parsing: fixtureBuffer("d1 00"))
        #expect(command.frameType == .command)
        #expect(command.videoCommand == 0)
        #expect(command.payload.readableBytes == 0)
    }

    @Test func appliesModExTimestampOffsets() throws {
        // ModEx with 3 bytes of data (500 000 ns), then CodedFrames for hvc1.
        let tag = try FLVVideoTag(parsing: fixtureBuffer("97 02 07a120 01 68766331 000021 aabb"))
        #expect(tag.timestampOffsetNanoseconds == 500_000)
        #expect(tag.packetType == .codedFrames)
        #expect(tag.codec == .hevc)
        #expect(tag.compositionTime == 33)
        #expect(Array(tag.payload.readableBytesView) == [0xAA, 0xBB])

        // A 16-bit ModEx size (0xFF then UI16 + 1) with an unknown modifier type is skipped.
        let wide = [0x97, 0xFF, 0x01, 0x00] + [UInt8](repeating: 0xEE, count: 257) + [0x53] + Array("av01".utf8)
        let skipped = try FLVVideoTag(parsing: ByteBuffer(bytes: wide))
        #expect(skipped.packetType == .codedFrames)
        #expect(skipped.codec == .av1)
        #expect(skipped.timestampOffsetNanoseconds == 0)
    }

    @Test func parsesMultitrackMessages() throws {
        // OneTrack: the rest of the body is track 2's data.
        let one = try FLVVideoTag(parsing: fixtureBuffer("96 01 61766331 02 000010 00000001 65"))
        #expect(one.trackID == 2)
        #expect(one.codec == .avc)
        #expect(one.compositionTime == 16)
        #expect(Array(one.payload.readableBytesView) == fixtureBytes("00000001 65"))

        // ManyTracks with one codec: each track has a 24-bit size.
        let many = try FLVVideoTag.tracks(
            parsing: fixtureBuffer("96 11 68766331  00 000006 000000 000001  01 000005 000000 aabb")
        )
        #expect(many.map(\.trackID) == [0, 1])
        #expect(many.map(\.codec) == [.hevc, .hevc])
        #expect(many.map { Array($0.payload.readableBytesView) } == [[0x00, 0x00, 0x01], [0xAA, 0xBB]])
        #expect(many.allSatisfy { $0.isEnhanced && $0.frameType == .keyframe })
        #expect(throws: FLVTagError.multipleTracks(2)) {
            try FLVVideoTag(parsing: fixtureBuffer("96 11 68766331  00 000006 000000 000001  01 000005 000000 aabb"))
        }

        // ManyTracksManyCodecs with CodedFramesX: a FourCC per track.
        let mixed = try FLVVideoTag.tracks(
            parsing: fixtureBuffer("a6 23 61766331 00 000002 aabb 68766331 01 000001 cc")
        )
        #expect(mixed.map(\.codec) == [.avc, .hevc])
        #expect(mixed.map(\.compositionTime) == [0, 0])
        #expect(mixed.map(\.frameType) == [.interFrame, .interFrame])
    }

    @Test func rejectsMalformedVideoTags() {
        let cases: [(String, FLVTagError)] = [
            ("", .truncated("video tag header")),
            ("17", .truncated("AVC packet type")),
            ("17 01 0000", .truncated("composition time")),
            ("07 01 000000", .invalidFrameType(0)),
            ("67 01 000000", .invalidFrameType(6)),
            ("e1 68766331", .invalidFrameType(6)),
            ("90 6876", .truncated("video FourCC")),
            ("91 68766331 00", .truncated("composition time")),
            ("d1", .truncated("video command")),
            ("97 02 07a1", .truncated("ModEx data")),
            ("97", .truncated("ModEx size")),
            ("97 00 00", .truncated("ModEx type")),
            ("96 06", .nestedMultitrack),
            ("96 31 68766331", .invalidMultitrackType(3)),
            ("96", .truncated("multitrack header")),
            ("96 01 68766331", .truncated("track id")),
            ("96 11 68766331 00 000009 aabb", .truncated("track body")),
            ("96 11 68766331 00 0000", .truncated("track size")),
            ("96 21 6876", .truncated("track FourCC")),
        ]
        for (hex, error) in cases {
            #expect(throws: error, "\(hex)") { try FLVVideoTag.tracks(parsing: fixtureBuffer(hex)) }
        }
    }

    @Test func parsesAACAudioTags() throws {
        let header = try FLVAudioTag(parsing: fixtureBuffer("af00121056e500"))
        #expect(header.soundFormat == 10)
        #expect(header.isAAC)
        #expect(header.soundRate == 3)
        #expect(header.soundSize == 1)
        #expect(header.soundType == 1)
        #expect(header.aacPacketType == .sequenceHeader)
        #expect(!header.isEnhanced)
        let asc = try AudioSpecificConfig(parsing: header.payload)
        #expect(asc.codecString == "mp4a.40.2")
        #expect(asc.sampleRate == 44100)

        let raw = try FLVAudioTag(parsing: fixtureBuffer("af01de020040"))
        #expect(raw.aacPacketType == .raw)
        #expect(Array(raw.payload.readableBytesView) == fixtureBytes("de020040"))
    }

    @Test func keepsOtherSoundFormatsRaw() throws {
        let mp3 = try FLVAudioTag(parsing: fixtureBuffer("2f fffb9064"))
        #expect(mp3.soundFormat == 2)
        #expect(!mp3.isAAC)
        #expect(mp3.aacPacketType == nil)
        #expect(mp3.payload.readableBytes == 4)

        let speex = try FLVAudioTag(parsing: fixtureBuffer("b2"))
        #expect(speex.soundFormat == 11)
        #expect(speex.soundType == 0)
        #expect(speex.payload.readableBytes == 0)
    }

    @Test func parsesEnhancedAudio() throws {
        let aac = try FLVAudioTag(parsing: fixtureBuffer("90 6d703461 1210"))
        #expect(aac.isEnhanced)
        #expect(aac.isAAC)
        #expect(aac.aacPacketType == .sequenceHeader)
        #expect(Array(aac.payload.readableBytesView) == [0x12, 0x10])

        let opus = try FLVAudioTag(parsing: fixtureBuffer("91 4f707573 fc"))
        #expect(opus.fourCC == 0x4F70_7573)
        #expect(opus.enhancedPacketType == 1)
        #expect(!opus.isAAC)
        #expect(opus.aacPacketType == nil)

        let modEx = try FLVAudioTag(parsing: fixtureBuffer("97 02 000064 01 6d703461 21"))
        #expect(modEx.aacPacketType == .raw)
    }

    @Test func rejectsMalformedAudioTags() {
        let cases: [(String, FLVTagError)] = [
            ("", .truncated("audio tag header")),
            ("af", .truncated("AAC packet type")),
            ("af 02 00", .invalidAACPacketType(2)),
            ("90 6d70", .truncated("audio FourCC")),
            ("95 00 6d703461", .unsupportedAudioMultitrack),
            ("97 05", .truncated("ModEx data")),
        ]
        for (hex, error) in cases {
            #expect(throws: error, "\(hex)") { try FLVAudioTag(parsing: fixtureBuffer(hex)) }
        }
    }

    @Test func survivesMutatedInput() {
        var random = FixtureRandom(seed: 0xF1F0)
        var parsed = 0
        let videoSeeds = [
            fixtureBytes(Self.avcSequenceHeader), fixtureBytes(Self.avcInterFramePrefix),
            fixtureBytes("97 02 07a120 01 68766331 000021 aabb"),
            fixtureBytes("96 11 68766331  00 000006 000000 000001  01 000005 000000 aabb"),
            fixtureBytes("a6 23 61766331 00 000002 aabb 68766331 01 000001 cc"),
        ]
        for seed in videoSeeds {
            for bytes in random.mutations(of: seed, count: 2_000) {
                guard let tracks = try? FLVVideoTag.tracks(parsing: ByteBuffer(bytes: bytes)) else { continue }
                parsed += 1
                #expect(!tracks.isEmpty)
                #expect(tracks.allSatisfy { $0.payload.readableBytes < bytes.count })
            }
        }
        for seed in [fixtureBytes("af00121056e500"), fixtureBytes("97 02 000064 01 6d703461 21")] {
            for bytes in random.mutations(of: seed, count: 2_000) {
                guard let tag = try? FLVAudioTag(parsing: ByteBuffer(bytes: bytes)) else { continue }
                parsed += 1
                #expect(tag.payload.readableBytes < bytes.count)
            }
        }
        // Some mutations must stay valid, or the checks above never run.
        #expect(parsed > 0)
    }
}
