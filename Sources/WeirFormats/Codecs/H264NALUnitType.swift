/// The `nal_unit_type` of an H.264 NAL unit (ITU-T H.264 table 7-1).
///
/// A raw-value wrapper rather than a closed enum, so reserved and unspecified
/// types from the network are representable without failing.
public struct H264NALUnitType: RawRepresentable, Hashable, Sendable {
    /// The 5-bit type value.
    public let rawValue: UInt8

    /// Creates a type from its 5-bit value; higher bits are discarded.
    ///
    /// - Parameters:
    ///   - rawValue: The type value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x1F
    }

    /// Reads the type from the first byte of a NAL unit header.
    ///
    /// - Parameters:
    ///   - headerByte: The NAL unit's first byte.
    public init(headerByte: UInt8) {
        self.init(rawValue: headerByte)
    }

    /// Coded slice of a non-IDR picture.
    public static let nonIDRSlice = H264NALUnitType(rawValue: 1)
    /// Coded slice data partition A.
    public static let sliceDataPartitionA = H264NALUnitType(rawValue: 2)
    /// Coded slice of an IDR picture.
    public static let idrSlice = H264NALUnitType(rawValue: 5)
    /// Supplemental enhancement information.
    public static let sei = H264NALUnitType(rawValue: 6)
    /// Sequence parameter set.
    public static let sequenceParameterSet = H264NALUnitType(rawValue: 7)
    /// Picture parameter set.
    public static let pictureParameterSet = H264NALUnitType(rawValue: 8)
    /// Access unit delimiter.
    public static let accessUnitDelimiter = H264NALUnitType(rawValue: 9)
    /// End of sequence.
    public static let endOfSequence = H264NALUnitType(rawValue: 10)
    /// End of stream.
    public static let endOfStream = H264NALUnitType(rawValue: 11)
    /// Filler data.
    public static let fillerData = H264NALUnitType(rawValue: 12)
    /// Sequence parameter set extension.
    public static let sequenceParameterSetExtension = H264NALUnitType(rawValue: 13)

    /// Whether the unit carries slice data of a coded picture (types 1 through 5).
    public var isSlice: Bool {
        (1...5).contains(rawValue)
    }
}
