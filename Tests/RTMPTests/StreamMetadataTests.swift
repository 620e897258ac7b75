import Testing
import WeirFormats
@testable import RTMP

/// `onMetaData` values, including the Enhanced RTMP FourCC form of `videocodecid`.
@Suite struct StreamMetadataTests {
    static func metadata(_ properties: AMF0Object) -> RTMPStreamMetadata? {
        RTMPStreamMetadata(values: [.string("@setDataFrame"), .string("onMetaData"), .ecmaArray(properties)])
    }

    @Test(arguments: [
        (AMF0Value.number(7), FLVVideoCodec?.some(.avc)),
        (.number(12), .hevc),
        (.number(1_752_589_105), .hevc),  // 'hvc1'
        (.number(1_635_135_537), .av1),  // 'av01'
        (.number(1_987_063_865), .vp9),  // 'vp09'
        (.string("hvc1"), .hevc),
        (.string("avc1"), .avc),
        (.number(4), .other(4)),
        (.number(-1), nil),
        (.number(1e300), nil),
        (.number(.nan), nil),
        (.number(7.5), nil),
        (.string("h265"), .other(0x6832_3635)),
        (.string("hevc1"), nil),
        (.boolean(true), nil),
    ])
    func videoCodecID(value: AMF0Value, expected: FLVVideoCodec?) throws {
        let metadata = try #require(Self.metadata(["videocodecid": value, "width": .number(320)]))
        #expect(metadata.videoCodec == expected)
        #expect(metadata.width == 320)
    }
}
