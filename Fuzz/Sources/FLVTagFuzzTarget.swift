import NIOCore
import WeirFormats

/// Fuzzes the FLV (and Enhanced RTMP) audio and video tag parsers, and what the ingest parses
/// after them: decoder configuration records of sequence headers and the length-prefixed NAL
/// units of coded frames.
///
/// Input: one option byte (bit 0: audio, else video), then the tag body.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzFLVTag(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    if options & 0x01 != 0 {
        exerciseAudioTag(input.buffer)
    } else {
        exerciseVideoTag(input.buffer)
    }
}

/// Parses a video message body as the RTMP ingest does.
func exerciseVideoTag(_ body: ByteBuffer) {
    guard let tracks = try? FLVVideoTag.tracks(parsing: body) else { return }
    precondition(!tracks.isEmpty, "a video tag parsed into no track")
    if tracks.count == 1 {
        precondition((try? FLVVideoTag(parsing: body)) == tracks[0], "single-track parse differs")
    }
    for tag in tracks {
        precondition(tag.payload.readableBytes <= body.readableBytes, "tag payload larger than the tag")
        switch (tag.codec, tag.packetType) {
        case (.avc, .sequenceHeader):
            exerciseAVCRecord(tag.payload)
        case (.hevc, .sequenceHeader):
            exerciseHEVCRecord(tag.payload)
        case (.avc, .codedFrames), (.hevc, .codedFrames):
            if let units = try? NALUnit.lengthPrefixedUnits(in: tag.payload, lengthSize: 4) {
                precondition(units.allSatisfy { $0.readableBytes > 0 }, "empty NAL unit")
            }
        default:
            break
        }
    }
}

/// Parses an audio message body as the RTMP ingest does.
func exerciseAudioTag(_ body: ByteBuffer) {
    guard let tag = try? FLVAudioTag(parsing: body) else { return }
    precondition(tag.payload.readableBytes <= body.readableBytes, "tag payload larger than the tag")
    if tag.isAAC, tag.aacPacketType == .sequenceHeader {
        exerciseAudioSpecificConfig(tag.payload)
    }
}
