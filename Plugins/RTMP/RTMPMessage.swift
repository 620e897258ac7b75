public import NIOCore

/// One reassembled RTMP message: what the chunk stream carries, before interpretation.
public struct RTMPMessage: Sendable {
    /// The chunk stream the message arrived on (or is sent on).
    public var chunkStreamID: UInt32
    /// The message stream: 0 for the connection, the id `createStream` returned for media.
    public var messageStreamID: UInt32
    public var typeID: UInt8
    /// Milliseconds on the peer's 32-bit clock; it wraps.
    public var timestamp: UInt32
    public var payload: ByteBuffer

    public init(chunkStreamID: UInt32, messageStreamID: UInt32, typeID: UInt8, timestamp: UInt32, payload: ByteBuffer) {
        self.chunkStreamID = chunkStreamID
        self.messageStreamID = messageStreamID
        self.typeID = typeID
        self.timestamp = timestamp
        self.payload = payload
    }
}
