import NIOCore

/// One 188-byte transport packet split into its header, adaptation field and payload.
struct MPEGTSPacketHeader: Sendable {
    static let size = 188
    static let syncByte: UInt8 = 0x47
    static let nullPID: UInt16 = 0x1FFF

    var transportError: Bool
    var unitStart: Bool
    var pid: UInt16
    /// `transport_scrambling_control`; non-zero payloads are encrypted.
    var scrambling: UInt8
    var continuityCounter: UInt8
    var adaptation: MPEGTSAdaptationField?
    /// The payload bytes, nil when `adaptation_field_control` says there are none.
    var payload: ByteBuffer?

    /// Parses a packet whose first byte is the sync byte.
    ///
    /// - Parameters:
    ///   - packet: Exactly one packet.
    /// - Throws: ``MPEGTSError`` for a short packet, a reserved `adaptation_field_control` or an
    ///   adaptation field longer than the packet.
    init(parsing packet: ByteBuffer) throws(MPEGTSError) {
        let start = packet.readerIndex
        guard packet.readableBytes == Self.size,
            let b1 = packet.getInteger(at: start + 1, as: UInt8.self),
            let b2 = packet.getInteger(at: start + 2, as: UInt8.self),
            let b3 = packet.getInteger(at: start + 3, as: UInt8.self)
        else { throw .truncated("transport packet") }
        transportError = b1 & 0x80 != 0
        unitStart = b1 & 0x40 != 0
        pid = UInt16(b1 & 0x1F) << 8 | UInt16(b2)
        scrambling = b3 >> 6
        continuityCounter = b3 & 0x0F
        let control = (b3 >> 4) & 0x03
        guard control != 0 else { throw .invalidValue("adaptation_field_control 00") }

        var payloadStart = start + 4
        if control & 0x02 != 0 {
            guard let length = packet.getInteger(at: payloadStart, as: UInt8.self) else {
                throw .truncated("adaptation field")
            }
            // With a payload the field leaves at least one payload byte; without, it fills the packet.
            let limit = control == 0x03 ? 182 : 183
            guard Int(length) <= limit else { throw .invalidValue("adaptation_field_length \(length)") }
            adaptation = MPEGTSAdaptationField(parsing: packet, at: payloadStart + 1, length: Int(length))
            payloadStart += 1 + Int(length)
        }
        if control & 0x01 != 0 {
            payload = packet.getSlice(at: payloadStart, length: start + Self.size - payloadStart)
        }
    }
}
