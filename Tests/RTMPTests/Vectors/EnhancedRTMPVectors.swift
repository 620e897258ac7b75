import WeirCore

/// Golden Enhanced RTMP video tag bodies (the payload of an RTMP video message), with what the
/// ingest must make of them.
///
/// The bytes were written by tools/erpublish from the Enhanced RTMP specification (veovera
/// enhanced-rtmp v2: ExVideoTagHeader, VideoPacketType, Multitrack, ModEx) around real encoder
/// output: a 64x64 libx265 stream (`-x265-params bframes=2:info=0`, CRF 45) and a 64x64
/// SVT-AV1 stream. The expected codec strings were worked out by hand from the records:
/// hvcC profile_idc 1, compatibility flags 0x60000000 (reversed: 6), Main tier, level_idc 30,
/// constraint byte 0x90 give `hvc1.1.6.L30.90`; av1C seq_profile 0, seq_level_idx_0 0, Main
/// tier, 8 bits give `av01.0.00M.08`.
enum EnhancedRTMPVectors {
    /// What one tag must produce on the bus.
    enum Expected: Sendable {
        /// A video format.
        case format(codec: Codec, codecString: String, width: Int, height: Int, configuration: [UInt8])
        /// One video packet, after the format of `codec`; times in 90 kHz ticks relative to the
        /// message timestamp.
        case packet(codec: Codec, keyframe: Bool, dtsOffset: Int64, compositionOffset: Int32, data: [UInt8])
        /// Nothing: the tag is accepted and ignored.
        case nothing
        /// The stream is refused with a reason containing this text.
        case refused(String)
    }

    struct Golden: Sendable, CustomStringConvertible {
        let name: String
        let body: [UInt8]
        let expected: Expected

        var description: String { name }
    }

    static let hevcCodecString = "hvc1.1.6.L30.90"
    static let av1CodecString = "av01.0.00M.08"

    static var all: [Golden] {
        [
            Golden(name: "hvc1 SequenceStart", body: hvc1SequenceStart,
                   expected: .format(codec: .h265, codecString: hevcCodecString, width: 64, height: 64, configuration: hvcC)),
            Golden(name: "hvc1 CodedFrames keyframe", body: hvc1CodedFramesKeyframe,
                   expected: .packet(codec: .h265, keyframe: true, dtsOffset: 0, compositionOffset: 67 * 90, data: hevcKeyframeSample)),
            Golden(name: "hvc1 CodedFrames negative CTS", body: hvc1CodedFramesNegativeCTS,
                   expected: .packet(codec: .h265, keyframe: false, dtsOffset: 0, compositionOffset: -33 * 90, data: hevcInterSample)),
            Golden(name: "hvc1 CodedFramesX", body: hvc1CodedFramesX,
                   expected: .packet(codec: .h265, keyframe: false, dtsOffset: 0, compositionOffset: 0, data: hevcCodedFramesXSample)),
            Golden(name: "hvc1 SequenceEnd", body: hvc1SequenceEnd, expected: .nothing),
            Golden(name: "hvc1 Metadata", body: hvc1Metadata, expected: .nothing),
            Golden(name: "av01 SequenceStart", body: av01SequenceStart,
                   expected: .format(codec: .av1, codecString: av1CodecString, width: 64, height: 64, configuration: av1C)),
            Golden(name: "av01 CodedFrames", body: av01CodedFramesWithTemporalDelimiter,
                   expected: .packet(codec: .av1, keyframe: false, dtsOffset: 0, compositionOffset: 0, data: av1InterSample)),
            Golden(name: "vp09 SequenceStart", body: vp09SequenceStart, expected: .refused("vp09")),
            Golden(name: "hvc1 Multitrack OneTrack", body: hvc1MultitrackOneTrack,
                   expected: .packet(codec: .h265, keyframe: true, dtsOffset: 0, compositionOffset: 0, data: hevcKeyframeSample)),
            Golden(name: "hvc1 Multitrack two tracks", body: hvc1MultitrackTwoTracks, expected: .refused("multitrack")),
            Golden(name: "hvc1 ModEx TimestampOffsetNano", body: hvc1ModExTimestampOffset,
                   expected: .packet(codec: .h265, keyframe: false, dtsOffset: 45, compositionOffset: 0, data: hevcInterSample)),
        ]
    }

    /// Keyframe SequenceStart, FourCC `hvc1`: the hvcC record of a 64x64 libx265 Main profile stream.
    static let hvc1SequenceStart: [UInt8] = hex(
        "90687663310101600000009000000000001ef000fcfdf8f800000f03a00001001840010c01ffff016000000300900000",
        "03000003001e959009a10001002842010101600000030090000003000003001ea0208105965644a4c2f0168080000003",
        "008000000f04a2000100064401c073c089"
    )

    /// Keyframe CodedFrames, `hvc1`, SI24 composition time 67 ms: one IDR access unit, 4-byte NAL lengths.
    static let hvc1CodedFramesKeyframe: [UInt8] = hex(
        "9168766331000043000000ec2801ac19603ef871f9585b0a11b3c607a157066eb56a4e72298efdd7c23616422cffbfeb",
        "ed87dd84eb807e39fc15bc49cb8fe73f7f1eeff054e450152e245da9f739768db0ffe6de4566b637e6ac45f410c6db9a",
        "9d1de8c2528bb36750ae27c3b8651f9668e1764095e36caee6ee4d7b198e896a3643f1b92557abacfb97680c30ddcd42",
        "e6ed105afe45ead4782c96f7b6a5b9b2ae0af73e7c40180704c36518a435c68fbd520e09bd322fc635bab54241606dbc",
        "2a3d8776d20a35508e150bcb1efa3b199d535cec53f7faa926714cb8cc050cadac25635bef4501698aaccea50c56a6b3",
        "2fc5b32655cd95c0"
    )

    /// Inter CodedFrames, `hvc1`, SI24 composition time -33 ms (0xFFFFDF), to check sign extension.
    static let hvc1CodedFramesNegativeCTS: [UInt8] = hex(
        "a168766331ffffdf0000000a0201d0195e2032403a60"
    )

    /// Inter CodedFramesX, `hvc1`: no composition time field, which means 0.
    static let hvc1CodedFramesX: [UInt8] = hex(
        "a3687663310000000b0001e024ffe890196030a0"
    )

    /// SequenceEnd, `hvc1`: header only.
    static let hvc1SequenceEnd: [UInt8] = hex(
        "9268766331"
    )

    /// Metadata, `hvc1`: AMF0 "colorInfo" with a colorConfig object (BT.709).
    static let hvc1Metadata: [UInt8] = hex(
        "9468766331020009636f6c6f72496e666f03000b636f6c6f72436f6e6669670300086269744465707468004020000000",
        "000000000e636f6c6f725072696d6172696573003ff000000000000000177472616e7366657243686172616374657269",
        "7374696373003ff000000000000000126d6174726978436f656666696369656e7473003ff00000000000000000090000",
        "09"
    )

    /// Keyframe SequenceStart, FourCC `av01`: the av1C record of a 64x64 SVT-AV1 Main profile stream, with its sequence header OBU.
    static let av01SequenceStart: [UInt8] = hex(
        "906176303181000c000a0a00000002afff805f0008"
    )

    /// Inter CodedFrames, `av01` (no composition time): a temporal delimiter OBU (12 00), then a frame OBU.
    static let av01CodedFramesWithTemporalDelimiter: [UInt8] = hex(
        "a1617630311200321232020104924911eb01d74e38100000009744"
    )

    /// Keyframe SequenceStart, FourCC `vp09`: a codec the ingest refuses.
    static let vp09SequenceStart: [UInt8] = hex(
        "907670303901000000000a820101010000"
    )

    /// Keyframe Multitrack, OneTrack, CodedFrames, `hvc1`, track 0, composition time 0.
    static let hvc1MultitrackOneTrack: [UInt8] = hex(
        "96016876633100000000000000ec2801ac19603ef871f9585b0a11b3c607a157066eb56a4e72298efdd7c23616422cff",
        "bfebed87dd84eb807e39fc15bc49cb8fe73f7f1eeff054e450152e245da9f739768db0ffe6de4566b637e6ac45f410c6",
        "db9a9d1de8c2528bb36750ae27c3b8651f9668e1764095e36caee6ee4d7b198e896a3643f1b92557abacfb97680c30dd",
        "cd42e6ed105afe45ead4782c96f7b6a5b9b2ae0af73e7c40180704c36518a435c68fbd520e09bd322fc635bab5424160",
        "6dbc2a3d8776d20a35508e150bcb1efa3b199d535cec53f7faa926714cb8cc050cadac25635bef4501698aaccea50c56",
        "a6b32fc5b32655cd95c0"
    )

    /// Inter Multitrack, ManyTracks, CodedFrames, `hvc1`: tracks 0 and 1 in one message.
    static let hvc1MultitrackTwoTracks: [UInt8] = hex(
        "a61168766331000000110000000000000a0201d0195e2032403a60010000120000000000000b0001e024ffe890196030",
        "a0"
    )

    /// Inter ModEx (TimestampOffsetNano 500000 ns), then CodedFrames, `hvc1`, composition time 0.
    static let hvc1ModExTimestampOffset: [UInt8] = hex(
        "a70207a12001687663310000000000000a0201d0195e2032403a60"
    )

    /// The hvcC record inside ``hvc1SequenceStart``.
    static let hvcC: [UInt8] = hex(
        "0101600000009000000000001ef000fcfdf8f800000f03a00001001840010c01ffff0160000003009000000300000300",
        "1e959009a10001002842010101600000030090000003000003001ea0208105965644a4c2f0168080000003008000000f",
        "04a2000100064401c073c089"
    )

    /// The av1C record inside ``av01SequenceStart``.
    static let av1C: [UInt8] = hex(
        "81000c000a0a00000002afff805f0008"
    )

    /// The coded data of ``hvc1CodedFramesKeyframe`` and ``hvc1MultitrackOneTrack``.
    static let hevcKeyframeSample: [UInt8] = hex(
        "000000ec2801ac19603ef871f9585b0a11b3c607a157066eb56a4e72298efdd7c23616422cffbfebed87dd84eb807e39",
        "fc15bc49cb8fe73f7f1eeff054e450152e245da9f739768db0ffe6de4566b637e6ac45f410c6db9a9d1de8c2528bb367",
        "50ae27c3b8651f9668e1764095e36caee6ee4d7b198e896a3643f1b92557abacfb97680c30ddcd42e6ed105afe45ead4",
        "782c96f7b6a5b9b2ae0af73e7c40180704c36518a435c68fbd520e09bd322fc635bab54241606dbc2a3d8776d20a3550",
        "8e150bcb1efa3b199d535cec53f7faa926714cb8cc050cadac25635bef4501698aaccea50c56a6b32fc5b32655cd95c0"
    )

    /// The coded data of ``hvc1CodedFramesNegativeCTS`` and ``hvc1ModExTimestampOffset``.
    static let hevcInterSample: [UInt8] = hex(
        "0000000a0201d0195e2032403a60"
    )

    /// The coded data of ``hvc1CodedFramesX``.
    static let hevcCodedFramesXSample: [UInt8] = hex(
        "0000000b0001e024ffe890196030a0"
    )

    /// The coded data of ``av01CodedFramesWithTemporalDelimiter`` without its temporal delimiter.
    static let av1InterSample: [UInt8] = hex(
        "321232020104924911eb01d74e38100000009744"
    )

    static func hex(_ lines: String...) -> [UInt8] {
        let text = lines.joined()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var index = text.startIndex
        while let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex), index != text.endIndex {
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
