public import NIOCore

/// Writes ISO-BMFF boxes into a `ByteBuffer`, patching each box's size once its body is written.
///
/// Boxes nest through closures: `writer.box("moov") { w in w.fullBox("mvhd", version: 0, flags: 0) { … } }`.
/// The writer keeps no per-box state besides the start index on the stack, so writing a
/// fragment allocates nothing beyond the buffer's own growth. All integers are big-endian.
///
/// Sizes come from what the caller writes, which may be a publisher's codec configuration: a
/// size that does not fit its field is recorded in ``failure`` (the first one wins) instead of
/// trapping, and the entry points that hand bytes out throw it.
public struct BoxWriter {
    /// The bytes written so far, plus whatever the buffer held before.
    public var buffer: ByteBuffer
    /// The first size that did not fit; the bytes written are then unusable.
    public internal(set) var failure: BoxWriterError?

    /// Creates a writer that appends to `buffer`.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to; defaults to an empty one.
    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    /// Runs `body` with a writer that appends to `buffer` in place.
    ///
    /// The buffer is moved into the writer and back, so its storage stays uniquely
    /// referenced and appending never copies it.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    ///   - body: Writes boxes.
    /// - Throws: the writer's ``failure``, if a size did not fit.
    public static func write(into buffer: inout ByteBuffer, _ body: (inout BoxWriter) -> Void) throws(BoxWriterError) {
        var writer = BoxWriter()
        swap(&writer.buffer, &buffer)
        body(&writer)
        swap(&writer.buffer, &buffer)
        if let failure = writer.failure { throw failure }
    }

    /// Writes a box of `type` whose payload is what `body` writes.
    ///
    /// - Parameters:
    ///   - type: The box type.
    ///   - body: Writes the payload and any child boxes.
    public mutating func box(_ type: BoxType, _ body: (inout BoxWriter) throws -> Void) rethrows {
        let start = buffer.writerIndex
        buffer.writeMultipleIntegers(UInt32(0), type.rawValue)
        try body(&self)
        patchSize(at: start)
    }

    /// Writes a full box: a box whose payload starts with a version byte and 24 bits of flags.
    ///
    /// - Parameters:
    ///   - type: The box type.
    ///   - version: The version byte.
    ///   - flags: The flags; only the low 24 bits are written.
    ///   - body: Writes the rest of the payload.
    public mutating func fullBox(
        _ type: BoxType,
        version: UInt8,
        flags: UInt32,
        _ body: (inout BoxWriter) throws -> Void
    ) rethrows {
        let start = buffer.writerIndex
        buffer.writeMultipleIntegers(UInt32(0), type.rawValue, UInt32(version) << 24 | (flags & 0x00FF_FFFF))
        try body(&self)
        patchSize(at: start)
    }

    /// Writes an integer in big-endian order.
    ///
    /// - Parameters:
    ///   - value: The integer.
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        buffer.writeInteger(value, endianness: .big)
    }

    /// Writes a four-character code.
    ///
    /// - Parameters:
    ///   - type: The code, for example a brand or a handler type.
    public mutating func write(_ type: BoxType) {
        buffer.writeInteger(type.rawValue, endianness: .big)
    }

    /// Writes raw bytes.
    ///
    /// - Parameters:
    ///   - bytes: The bytes.
    public mutating func write(bytes: [UInt8]) {
        buffer.writeBytes(bytes)
    }

    /// Writes the readable bytes of another buffer.
    ///
    /// - Parameters:
    ///   - other: The buffer whose readable bytes are copied.
    public mutating func write(buffer other: ByteBuffer) {
        buffer.writeImmutableBuffer(other)
    }

    /// Writes `count` zero bytes, for reserved and pre-defined fields.
    ///
    /// - Parameters:
    ///   - count: The number of bytes.
    public mutating func writeZeros(_ count: Int) {
        buffer.writeRepeatingByte(0, count: count)
    }

    /// Writes the unity transformation matrix used by `mvhd` and `tkhd`.
    public mutating func writeUnityMatrix() {
        buffer.writeMultipleIntegers(
            UInt32(0x0001_0000), UInt32(0), UInt32(0),
            UInt32(0), UInt32(0x0001_0000), UInt32(0),
            UInt32(0), UInt32(0), UInt32(0x4000_0000)
        )
    }

    private mutating func patchSize(at start: Int) {
        let size = buffer.writerIndex - start
        // mdat writes its own header with largesize; any other box this large is a failure.
        guard size <= Int(UInt32.max) else {
            let type = buffer.getInteger(at: start + 4, as: UInt32.self).map(BoxType.init(rawValue:)) ?? BoxType(rawValue: 0)
            failure = failure ?? .boxTooLarge(type, size: size)
            return
        }
        buffer.setInteger(UInt32(size), at: start, endianness: .big)
    }
}
