import NIOCore
import RTMP

/// What a peer's bytes decode to, in a form two decodings can be compared by.
struct RTMPChunkTranscript: Equatable {
    struct Message: Equatable {
        var chunkStreamID: UInt32
        var messageStreamID: UInt32
        var typeID: UInt8
        var timestamp: UInt32
        var payload: ByteBuffer
    }

    var handshakeFailed = false
    var messages: [Message] = []
    var error: RTMPChunkError?
    /// The decoder's view at the end (chunk size, discarded partial messages).
    var chunkSize = 0
    var discardedMessages = 0
    /// The message bodies, for parsing after the comparison.
    var payloads: [(typeID: UInt8, payload: ByteBuffer)] {
        messages.map { ($0.typeID, $0.payload) }
    }

    /// Decodes `pieces` as the server does: the handshake first when asked, then chunks, with
    /// the receive buffer growing by one piece at a time.
    static func decode(
        _ pieces: [ArraySlice<UInt8>], handshake: Bool, maxMessageSize: Int, maxChunkStreams: Int
    ) -> RTMPChunkTranscript {
        var transcript = RTMPChunkTranscript()
        var shake = RTMPHandshake()
        var handshakeDone = !handshake
        var decoder = RTMPChunkDecoder(maxMessageSize: maxMessageSize, maxChunkStreams: maxChunkStreams)
        var buffer = ByteBuffer()
        defer {
            transcript.chunkSize = decoder.chunkSize
            transcript.discardedMessages = decoder.discardedMessages
        }
        for piece in pieces {
            buffer.writeBytes(piece)
            handshaking: while !handshakeDone {
                let step: RTMPHandshake.Step
                do {
                    step = try shake.advance(&buffer)
                } catch {
                    transcript.handshakeFailed = true
                    return transcript
                }
                switch step {
                case .needMoreData:
                    break handshaking
                case .reply(let reply):
                    precondition(reply.readableBytes == 1 + 2 * RTMPHandshake.packetSize, "handshake reply size")
                case .complete:
                    handshakeDone = true
                }
            }
            guard handshakeDone else { continue }
            do {
                while let message = try decoder.nextMessage(from: &buffer) {
                    precondition(message.payload.readableBytes <= maxMessageSize, "message above the size limit")
                    transcript.messages.append(
                        Message(
                            chunkStreamID: message.chunkStreamID, messageStreamID: message.messageStreamID,
                            typeID: message.typeID, timestamp: message.timestamp, payload: message.payload))
                }
            } catch {
                transcript.error = error
                return transcript
            }
            buffer.discardReadBytes()
        }
        return transcript
    }
}
