import NIOCore

/// Reads big-endian fields from a box payload, throwing instead of trapping when it runs out.
struct BoxPayloadCursor {
    private var bytes: ByteBuffer
    private let type: BoxType

    init(_ box: ParsedBox) {
        self.bytes = box.payload
        self.type = box.type
    }

    var remaining: Int {
        bytes.readableBytes
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(BoxReaderError) -> T {
        guard let value = bytes.readInteger(endianness: .big, as: T.self) else {
            throw .truncatedPayload(type: type)
        }
        return value
    }

    mutating func skip(_ count: Int) throws(BoxReaderError) {
        guard count >= 0, count <= bytes.readableBytes else {
            throw .truncatedPayload(type: type)
        }
        bytes.moveReaderIndex(forwardBy: count)
    }

    /// Reads a full box's version and 24-bit flags.
    mutating func readVersionAndFlags() throws(BoxReaderError) -> (version: UInt8, flags: UInt32) {
        let word: UInt32 = try read()
        return (UInt8(truncatingIfNeeded: word >> 24), word & 0x00FF_FFFF)
    }
}
