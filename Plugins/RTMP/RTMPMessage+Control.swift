import NIOCore

/// Protocol control and user control messages the server sends, all on chunk stream 2 and
/// message stream 0 as the specification requires.
extension RTMPMessage {
    static let controlChunkStream: UInt32 = 2

    static func control(_ typeID: UInt8, _ write: (inout ByteBuffer) -> Void) -> RTMPMessage {
        var payload = ByteBuffer()
        write(&payload)
        return RTMPMessage(chunkStreamID: controlChunkStream, messageStreamID: 0, typeID: typeID, timestamp: 0, payload: payload)
    }

    static func setChunkSize(_ size: Int) -> RTMPMessage {
        control(RTMPMessageType.setChunkSize) { $0.writeInteger(UInt32(clamping: size) & 0x7FFF_FFFF) }
    }

    static func windowAcknowledgementSize(_ size: UInt32) -> RTMPMessage {
        control(RTMPMessageType.windowAcknowledgementSize) { $0.writeInteger(size) }
    }

    /// Set Peer Bandwidth with limit type 2 (dynamic).
    static func setPeerBandwidth(_ size: UInt32) -> RTMPMessage {
        control(RTMPMessageType.setPeerBandwidth) {
            $0.writeInteger(size)
            $0.writeInteger(UInt8(2))
        }
    }

    static func acknowledgement(_ sequenceNumber: UInt32) -> RTMPMessage {
        control(RTMPMessageType.acknowledgement) { $0.writeInteger(sequenceNumber) }
    }

    static func userControl(_ event: UInt16, _ value: UInt32) -> RTMPMessage {
        control(RTMPMessageType.userControl) {
            $0.writeInteger(event)
            $0.writeInteger(value)
        }
    }
}
