/// Why bytes could not be read as ISO-BMFF boxes, or a box's payload as its fields.
public enum BoxReaderError: Error, Hashable, Sendable {
    /// Fewer bytes remain than a box header needs.
    case truncatedHeader(offset: Int)
    /// The box's size is smaller than its own header.
    case invalidSize(offset: Int, size: UInt64)
    /// The box's size runs past the end of its container or of the input.
    case sizeExceedsParent(offset: Int, size: UInt64, available: Int)
    /// Containers nest deeper than the reader's limit.
    case nestingTooDeep(offset: Int, limit: Int)
    /// The input holds more boxes than the reader's limit.
    case tooManyBoxes(limit: Int)
    /// A decoder was given a box of another type.
    case unexpectedBoxType(expected: BoxType, found: BoxType)
    /// The payload ends before the fields its type, version and flags call for.
    case truncatedPayload(type: BoxType)
    /// The box's version is one the decoder does not know.
    case unsupportedVersion(type: BoxType, version: UInt8)
    /// A field holds a value beyond what the decoder accepts.
    case valueOutOfRange(type: BoxType)
}
