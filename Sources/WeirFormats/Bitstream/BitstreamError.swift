/// A failure while reading a bit-oriented bitstream.
///
/// Raised by ``BitReader`` when a field runs past the end of the data or an
/// Exp-Golomb code is longer than the 32-bit values the codecs allow.
public enum BitstreamError: Error, Hashable, Sendable {
    /// A read needed more bits than remain.
    case endOfData
    /// An Exp-Golomb code had more than 31 leading zero bits, so its value does not fit 32 bits.
    case expGolombOverflow
    /// A read asked for a bit count outside the supported range.
    case invalidBitCount(Int)
}
