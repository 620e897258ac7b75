public import NIOCore

/// Splits messages the server sends into chunks.
///
/// The server sends little (control messages, command replies), so every message starts with a
/// full type-0 header and continues with type-3 chunks; header compression would save nothing
/// worth its state.
public struct RTMPChunkEncoder: Sendable {
    /// The size announced to the peer with Set Chunk Size; change it only right after sending that.
    public var chunkSize: Int

    public init(chunkSize: Int = RTMPChunkDecoder.defaultChunkSize) {
        self.chunkSize = max(1, chunkSize)
    }

    /// Appends `message` as chunks.
    ///
    /// - Parameters:
    ///   - message: the message; its chunk stream id must be 2...65599.
    ///   - buffer: where the chunks go.
    public func write(_ message: RTMPMessage, into buffer: inout ByteBuffer) {
        let extended = message.timestamp >= 0xFF_FFFF
        let length = message.payload.readableBytes
        buffer.reserveCapacity(minimumWritableBytes: length + 18 + (length / chunkSize) * 7)
        Self.writeBasicHeader(format: 0, chunkStreamID: message.chunkStreamID, into: &buffer)
        Self.writeUInt24(extended ? 0xFF_FFFF : message.timestamp, into: &buffer)
        Self.writeUInt24(UInt32(truncatingIfNeeded: length), into: &buffer)
        buffer.writeInteger(message.typeID)
        buffer.writeInteger(message.messageStreamID, endianness: .little)
        if extended { buffer.writeInteger(message.timestamp) }

        var payload = message.payload
        var first = true
        while first || payload.readableBytes > 0 {
            if !first {
                Self.writeBasicHeader(format: 3, chunkStreamID: message.chunkStreamID, into: &buffer)
                if extended { buffer.writeInteger(message.timestamp) }
            }
            first = false
            guard var chunk = payload.readSlice(length: min(chunkSize, payload.readableBytes)) else { break }
            buffer.writeBuffer(&chunk)
        }
    }

    static func writeBasicHeader(format: UInt8, chunkStreamID: UInt32, into buffer: inout ByteBuffer) {
        let top = format << 6
        // Ids 0 and 1 are not representable: they select the longer header forms.
        let id = min(max(chunkStreamID, 2), 65599)
        switch id {
        case 2...63:
            buffer.writeInteger(top | UInt8(id))
        case 64...319:
            buffer.writeInteger(top)
            buffer.writeInteger(UInt8(id - 64))
        default:
            let value = id - 64
            buffer.writeInteger(top | 1)
            buffer.writeInteger(UInt8(value & 0xFF))
            buffer.writeInteger(UInt8(value >> 8))
        }
    }

    static func writeUInt24(_ value: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(truncatingIfNeeded: value >> 16))
        buffer.writeInteger(UInt16(truncatingIfNeeded: value))
    }
}
