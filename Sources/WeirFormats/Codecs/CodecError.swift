/// A failure while parsing a codec configuration or NAL unit stream.
///
/// Parsers of avcC, hvcC, SPS, AudioSpecificConfig and length-prefixed NAL
/// units throw this for malformed or unsupported input instead of trapping.
public enum CodecError: Error, Hashable, Sendable {
    /// The data ended inside the named structure.
    case truncated(String)
    /// A configuration record carried a version other than 1.
    case unsupportedConfigurationVersion(UInt8)
    /// A NAL unit length field size other than 1, 2 or 4 bytes.
    case invalidNALLengthSize(Int)
    /// A length-prefixed NAL unit claimed more bytes than the buffer holds.
    case nalUnitLengthExceedsBuffer(length: Int, available: Int)
    /// The NAL unit is not of the type the parser expects.
    case unexpectedNALUnitType(UInt8)
    /// A field held a value the standard does not allow; the string names it.
    case invalidValue(String)
    /// A value is valid but not supported by this implementation; the string names it.
    case unsupported(String)
    /// The bit-level reader failed.
    case bitstream(BitstreamError)
}
