/// An MSB-first bit reader over a byte array.
///
/// Codec headers (SPS, AudioSpecificConfig, …) pack fields at bit granularity
/// and use Exp-Golomb codes. Every read is bounds checked and throws at the end
/// of data, so malformed input never traps.
public struct BitReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// The position of the next bit, counted from the first bit of `bytes`.
    public private(set) var bitPosition: Int = 0

    /// Creates a reader positioned at the first bit.
    ///
    /// - Parameters:
    ///   - bytes: The data to read.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The number of bits not yet read.
    public var bitsRemaining: Int {
        bytes.count * 8 - bitPosition
    }

    /// Whether the next read starts on a byte boundary.
    public var isByteAligned: Bool {
        bitPosition % 8 == 0
    }

    /// Reads an unsigned value of up to 32 bits.
    ///
    /// - Parameters:
    ///   - bits: The field width, 0 through 32.
    /// - Returns: The value, most significant bit first.
    public mutating func read(bits: Int) throws(BitstreamError) -> UInt32 {
        guard bits >= 0, bits <= 32 else { throw .invalidBitCount(bits) }
        guard bits <= bitsRemaining else { throw .endOfData }
        var value: UInt32 = 0
        var remaining = bits
        while remaining > 0 {
            let byte = bytes[bitPosition >> 3]
            let offset = bitPosition & 7
            let available = 8 - offset
            let take = min(available, remaining)
            let shifted = UInt32(byte) >> UInt32(available - take)
            let mask: UInt32 = (1 << UInt32(take)) - 1
            value = (value << UInt32(take)) | (shifted & mask)
            remaining -= take
            bitPosition += take
        }
        return value
    }

    /// Reads one bit as a flag.
    public mutating func readFlag() throws(BitstreamError) -> Bool {
        try read(bits: 1) == 1
    }

    /// Skips bits without interpreting them.
    ///
    /// - Parameters:
    ///   - bits: How many bits to skip; must not exceed ``bitsRemaining``.
    public mutating func skip(bits: Int) throws(BitstreamError) {
        guard bits >= 0 else { throw .invalidBitCount(bits) }
        guard bits <= bitsRemaining else { throw .endOfData }
        bitPosition += bits
    }

    /// Reads an unsigned Exp-Golomb code, `ue(v)`.
    ///
    /// Codes with more than 31 leading zeros would not fit 32 bits and are
    /// rejected rather than wrapped.
    public mutating func readUE() throws(BitstreamError) -> UInt32 {
        var leadingZeros = 0
        while try !readFlag() {
            leadingZeros += 1
            guard leadingZeros <= 31 else { throw .expGolombOverflow }
        }
        guard leadingZeros > 0 else { return 0 }
        let suffix = try read(bits: leadingZeros)
        // (1 << n) - 1 + suffix stays below 2^32 for n <= 31.
        return (UInt32(1) << UInt32(leadingZeros)) - 1 + suffix
    }

    /// Reads a signed Exp-Golomb code, `se(v)`.
    public mutating func readSE() throws(BitstreamError) -> Int32 {
        let code = try readUE()
        // Odd codes map to positive values, even codes to negative ones.
        let magnitude = Int32(truncatingIfNeeded: (code >> 1) + (code & 1))
        return code & 1 == 1 ? magnitude : -magnitude
    }
}
