/// A malformed MPEG-TS structure.
///
/// The demuxer catches these, counts them and carries on with the next packet or section;
/// they surface only from the lower-level parsers.
public enum MPEGTSError: Error, Hashable, Sendable {
    /// The data ended inside the named structure.
    case truncated(String)
    /// A section's CRC_32 did not match its contents.
    case crcMismatch
    /// A section carried a `table_id` other than the expected one.
    case unexpectedTableID(UInt8)
    /// A PES packet did not begin with the `0x000001` start code prefix.
    case missingStartCode
    /// A field held a value the standard does not allow; the string names it.
    case invalidValue(String)
}
