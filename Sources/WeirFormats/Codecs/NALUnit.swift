public import NIOCore

/// Helpers for NAL unit streams shared by H.264 and H.265.
///
/// RTMP and MP4 carry NAL units prefixed by a big-endian length; MPEG-TS
/// carries them in Annex B form separated by start codes. Parameter sets are
/// parsed from their RBSP, which needs the emulation prevention bytes removed.
public enum NALUnit {
    /// Removes emulation prevention bytes, turning a NAL unit payload into its RBSP.
    ///
    /// Every `0x03` that follows two zero bytes is dropped, which is exactly
    /// what an encoder inserted to keep start codes out of the payload.
    ///
    /// - Parameters:
    ///   - bytes: The escaped NAL unit bytes.
    /// - Returns: The unescaped bytes.
    public static func removingEmulationPrevention(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2, byte == 0x03 {
                zeros = 0
                continue
            }
            output.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return output
    }

    /// Inserts emulation prevention bytes, turning an RBSP into NAL unit payload bytes.
    ///
    /// - Parameters:
    ///   - rbsp: The raw byte sequence payload.
    /// - Returns: The escaped bytes.
    public static func addingEmulationPrevention(_ rbsp: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(rbsp.count + rbsp.count / 64)
        var zeros = 0
        for byte in rbsp {
            if zeros >= 2, byte <= 0x03 {
                output.append(0x03)
                zeros = 0
            }
            output.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return output
    }

    /// Splits a buffer of length-prefixed NAL units into slices.
    ///
    /// Zero-length units are skipped. The slices share storage with `buffer`.
    ///
    /// - Parameters:
    ///   - buffer: The readable bytes hold the units back to back.
    ///   - lengthSize: The size of each big-endian length field: 1, 2 or 4.
    /// - Returns: One slice per non-empty NAL unit, in order.
    /// - Throws: ``CodecError/invalidNALLengthSize(_:)``, ``CodecError/truncated(_:)`` for a
    ///   partial length field, ``CodecError/nalUnitLengthExceedsBuffer(length:available:)``.
    public static func lengthPrefixedUnits(
        in buffer: ByteBuffer,
        lengthSize: Int
    ) throws(CodecError) -> [ByteBuffer] {
        guard lengthSize == 1 || lengthSize == 2 || lengthSize == 4 else {
            throw .invalidNALLengthSize(lengthSize)
        }
        var input = buffer
        var units: [ByteBuffer] = []
        while input.readableBytes > 0 {
            guard input.readableBytes >= lengthSize else { throw .truncated("NAL unit length") }
            var length = 0
            for _ in 0..<lengthSize {
                guard let byte = input.readInteger(as: UInt8.self) else { throw .truncated("NAL unit length") }
                length = length << 8 | Int(byte)
            }
            guard length <= input.readableBytes else {
                throw .nalUnitLengthExceedsBuffer(length: length, available: input.readableBytes)
            }
            guard length > 0 else { continue }
            guard let unit = input.readSlice(length: length) else { throw .truncated("NAL unit") }
            units.append(unit)
        }
        return units
    }

    /// Appends one NAL unit with a big-endian length prefix.
    ///
    /// - Parameters:
    ///   - unit: The NAL unit bytes, header included.
    ///   - lengthSize: The length field size: 1, 2 or 4.
    ///   - output: The buffer to append to.
    /// - Throws: ``CodecError/invalidNALLengthSize(_:)``, or ``CodecError/invalidValue(_:)``
    ///   when the unit is too long for the length field.
    public static func writeLengthPrefixed(
        _ unit: some Collection<UInt8>,
        lengthSize: Int,
        into output: inout ByteBuffer
    ) throws(CodecError) {
        guard lengthSize == 1 || lengthSize == 2 || lengthSize == 4 else {
            throw .invalidNALLengthSize(lengthSize)
        }
        let length = unit.count
        guard UInt64(length) < (UInt64(1) << UInt64(lengthSize * 8)) else {
            throw .invalidValue("NAL unit length \(length) does not fit \(lengthSize) bytes")
        }
        for index in stride(from: lengthSize - 1, through: 0, by: -1) {
            output.writeInteger(UInt8(truncatingIfNeeded: length >> (index * 8)))
        }
        output.writeBytes(unit)
    }

    /// Splits an Annex B byte stream into NAL units.
    ///
    /// Units are delimited by three- or four-byte start codes. Bytes before the
    /// first start code are ignored, trailing zero bytes of each unit (the first
    /// byte of a four-byte start code, or `trailing_zero_8bits`) are trimmed, and
    /// empty units are skipped. The slices share storage with `buffer`.
    ///
    /// - Parameters:
    ///   - buffer: The readable bytes hold the Annex B stream.
    /// - Returns: One slice per NAL unit, without start codes.
    public static func annexBUnits(in buffer: ByteBuffer) -> [ByteBuffer] {
        let view = buffer.readableBytesView
        let base = view.startIndex
        let count = view.count
        var starts: [Int] = []
        var ends: [Int] = []
        var zeros = 0
        var index = 0
        while index < count {
            let byte = view[base + index]
            if byte == 0 {
                zeros += 1
            } else {
                if byte == 1, zeros >= 2 {
                    if !starts.isEmpty {
                        ends.append(index - 2)
                    }
                    starts.append(index + 1)
                }
                zeros = 0
            }
            index += 1
        }
        ends.append(count)

        var units: [ByteBuffer] = []
        units.reserveCapacity(starts.count)
        for (start, rawEnd) in zip(starts, ends) {
            var end = rawEnd
            while end > start, view[base + end - 1] == 0 {
                end -= 1
            }
            guard end > start,
                let unit = buffer.getSlice(at: buffer.readerIndex + start, length: end - start)
            else { continue }
            units.append(unit)
        }
        return units
    }
}
