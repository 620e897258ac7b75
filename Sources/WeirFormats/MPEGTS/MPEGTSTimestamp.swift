public import NIOCore

/// The 33-bit, 90 kHz timestamps of PES headers and PCRs.
public enum MPEGTSTimestamp {
    /// 2^33: timestamps are taken modulo this.
    public static let modulus: Int64 = 1 << 33

    /// Reduces a time to its 33-bit wire value.
    ///
    /// - Parameters:
    ///   - ticks: A 90 kHz time, possibly negative or past the wrap.
    public static func wrapped(_ ticks: Int64) -> Int64 {
        let remainder = ticks % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }

    /// The signed difference `a − b` of two wire timestamps, taking the shorter way around the wrap.
    ///
    /// - Parameters:
    ///   - a: A 33-bit timestamp.
    ///   - b: A 33-bit timestamp.
    public static func difference(_ a: Int64, _ b: Int64) -> Int64 {
        var delta = wrapped(a &- b)
        if delta >= modulus / 2 { delta -= modulus }
        return delta
    }

    /// Reads the five-byte PTS or DTS field at `index`, ignoring the prefix and marker bits.
    ///
    /// - Parameters:
    ///   - buffer: The buffer holding the field.
    ///   - index: The absolute index of the field's first byte.
    static func read(from buffer: ByteBuffer, at index: Int) -> Int64? {
        guard let bytes = buffer.getBytes(at: index, length: 5) else { return nil }
        let high = Int64((bytes[0] >> 1) & 0x07) << 30
        let middle = Int64(bytes[1]) << 22 | Int64(bytes[2] >> 1) << 15
        return high | middle | Int64(bytes[3]) << 7 | Int64(bytes[4] >> 1)
    }

    /// Appends a five-byte PTS or DTS field.
    ///
    /// - Parameters:
    ///   - ticks: The time; it is wrapped to 33 bits.
    ///   - prefix: The four-bit prefix: `0010` for a lone PTS, `0011` PTS then `0001` DTS.
    ///   - buffer: The buffer to append to.
    static func write(_ ticks: Int64, prefix: UInt8, to buffer: inout ByteBuffer) {
        let value = UInt64(wrapped(ticks))
        buffer.writeInteger(prefix << 4 | UInt8((value >> 29) & 0x0E) | 1)
        buffer.writeInteger(UInt16(truncatingIfNeeded: (value >> 14) & 0xFFFE) | 1)
        buffer.writeInteger(UInt16(truncatingIfNeeded: (value << 1) & 0xFFFE) | 1)
    }
}
