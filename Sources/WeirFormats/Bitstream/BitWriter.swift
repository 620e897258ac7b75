/// An MSB-first bit writer that builds a byte array.
///
/// Used to serialize bit-packed codec headers such as an AudioSpecificConfig.
public struct BitWriter: Sendable {
    /// The completed bytes, including a partially filled last byte padded with zeros.
    public private(set) var bytes: [UInt8] = []
    private var bitCount = 0

    /// Creates an empty writer.
    public init() {}

    /// The number of bits written so far.
    public var bitsWritten: Int {
        bitCount
    }

    /// Appends the low `bits` bits of `value`, most significant first.
    ///
    /// - Parameters:
    ///   - value: The value; bits above `bits` are ignored.
    ///   - bits: The field width, 0 through 32; other widths write nothing.
    public mutating func write(_ value: UInt32, bits: Int) {
        guard bits > 0, bits <= 32 else { return }
        for index in stride(from: bits - 1, through: 0, by: -1) {
            writeFlag((value >> UInt32(index)) & 1 == 1)
        }
    }

    /// Appends one bit.
    public mutating func writeFlag(_ flag: Bool) {
        if bitCount % 8 == 0 {
            bytes.append(0)
        }
        if flag, let last = bytes.indices.last {
            bytes[last] |= UInt8(0x80) >> UInt8(bitCount % 8)
        }
        bitCount += 1
    }

    /// Appends an unsigned Exp-Golomb code, `ue(v)`.
    public mutating func writeUE(_ value: UInt32) {
        let codeNum = UInt64(value) + 1
        let width = 64 - codeNum.leadingZeroBitCount
        for _ in 0..<(width - 1) {
            writeFlag(false)
        }
        for index in stride(from: width - 1, through: 0, by: -1) {
            writeFlag((codeNum >> UInt64(index)) & 1 == 1)
        }
    }

    /// Appends a signed Exp-Golomb code, `se(v)`.
    public mutating func writeSE(_ value: Int32) {
        let magnitude = UInt32(value.magnitude)
        if value > 0 {
            writeUE(magnitude * 2 - 1)
        } else {
            // -2^31 has no positive counterpart in the code space; clamp.
            writeUE(magnitude >= 1 << 31 ? UInt32.max - 1 : magnitude * 2)
        }
    }
}
