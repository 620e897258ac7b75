import NIOCore
import RTMP

/// Fuzzes the RTMP handshake and chunk stream decoder, and the message bodies a server parses.
///
/// Input: one option byte, then the bytes a client sends. Option bits: 0 runs the server
/// handshake first (C0, C1, C2), 1–3 choose the size of the pieces the bytes arrive in, 4
/// uses small limits (4 KiB messages, 4 chunk streams) so the limit paths are reached.
/// The stream is decoded twice, whole and in pieces, and both must give the same messages
/// and the same error: how TCP segments a stream must not change what it means. The bodies
/// of command, data, audio and video messages then go through the AMF0 and FLV parsers.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzRTMPChunk(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    let handshake = options & 0x01 != 0
    let pieceSize = FuzzInput.pieceSizes[Int(options >> 1) & 0x07]
    let small = options & 0x10 != 0
    let maxMessageSize = small ? 4_096 : 8 * 1024 * 1024
    let maxChunkStreams = small ? 4 : 64
    let stream = input.rest

    let whole = RTMPChunkTranscript.decode(
        [stream[...]], handshake: handshake, maxMessageSize: maxMessageSize, maxChunkStreams: maxChunkStreams)
    let pieces = RTMPChunkTranscript.decode(
        FuzzInput.pieces(of: stream, size: pieceSize), handshake: handshake, maxMessageSize: maxMessageSize,
        maxChunkStreams: maxChunkStreams)
    precondition(whole == pieces, "the chunk decoder's output depends on how the input is split")

    for (typeID, payload) in whole.payloads {
        switch typeID {
        case RTMPMessageType.commandAMF0, RTMPMessageType.dataAMF0:
            exerciseAMF0(payload, amf3: false)
        case RTMPMessageType.commandAMF3, RTMPMessageType.dataAMF3:
            exerciseAMF0(payload, amf3: true)
        case RTMPMessageType.video:
            exerciseVideoTag(payload)
        case RTMPMessageType.audio:
            exerciseAudioTag(payload)
        default:
            break
        }
    }
}
