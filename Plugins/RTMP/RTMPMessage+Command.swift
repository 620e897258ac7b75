import NIOCore
import WeirFormats

/// Command and status messages the server sends.
extension RTMPMessage {
    /// Chunk stream for replies on the connection (message stream 0).
    static let commandChunkStream: UInt32 = 3
    /// Chunk stream for status messages of a media stream.
    static let statusChunkStream: UInt32 = 5

    static func command(_ values: [AMF0Value], messageStreamID: UInt32 = 0, chunkStreamID: UInt32 = commandChunkStream) -> RTMPMessage {
        RTMPMessage(
            chunkStreamID: chunkStreamID, messageStreamID: messageStreamID, typeID: RTMPMessageType.commandAMF0,
            timestamp: 0, payload: AMF0Encoder.encode(values))
    }

    /// An `onStatus` notification of a media stream.
    ///
    /// - Parameters:
    ///   - level: `status` or `error`.
    ///   - code: e.g. `NetStream.Publish.Start`.
    ///   - description: human-readable detail; clients show it to the user.
    static func onStatus(level: String, code: String, description: String, messageStreamID: UInt32) -> RTMPMessage {
        let info: AMF0Object = [
            "level": .string(level),
            "code": .string(code),
            "description": .string(description),
        ]
        return command(
            [.string("onStatus"), .number(0), .null, .object(info)],
            messageStreamID: messageStreamID, chunkStreamID: statusChunkStream)
    }
}
