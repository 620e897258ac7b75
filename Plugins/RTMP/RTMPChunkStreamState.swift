import NIOCore

/// What the decoder remembers about one chunk stream: the last header, for compressed headers
/// to refer to, and the message being reassembled.
struct RTMPChunkStreamState {
    var id: UInt32
    /// Timestamp of the last message started on this chunk stream.
    var timestamp: UInt32 = 0
    /// The last header's timestamp field, extended value included: absolute after a type-0
    /// header, a delta after type 1 and 2. A type-3 header starting a message adds it again.
    var timestampField: UInt32 = 0
    /// The last header carried an extended timestamp, so type-3 chunks carry one too.
    var hasExtendedTimestamp = false
    var length = 0
    var typeID: UInt8 = 0
    var messageStreamID: UInt32 = 0
    /// Bytes of the current message received so far; nil when no message is in progress.
    var received: Int?
    /// The partial payload of a message that spans several chunks.
    var payload: ByteBuffer?

    init(id: UInt32) {
        self.id = id
    }

    /// The fields a following chunk header refers to.
    struct Header {
        var timestamp: UInt32 = 0
        var timestampField: UInt32 = 0
        var hasExtendedTimestamp = false
        var length = 0
        var received: Int?
    }

    var header: Header {
        Header(
            timestamp: timestamp, timestampField: timestampField, hasExtendedTimestamp: hasExtendedTimestamp,
            length: length, received: received)
    }
}
