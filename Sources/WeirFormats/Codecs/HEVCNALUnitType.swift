/// The `nal_unit_type` of an H.265 NAL unit (ITU-T H.265 table 7-1).
///
/// A raw-value wrapper rather than a closed enum, so reserved types from the
/// network are representable without failing.
public struct HEVCNALUnitType: RawRepresentable, Hashable, Sendable {
    /// The 6-bit type value.
    public let rawValue: UInt8

    /// Creates a type from its 6-bit value; higher bits are discarded.
    ///
    /// - Parameters:
    ///   - rawValue: The type value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x3F
    }

    /// Reads the type from the first byte of the two-byte NAL unit header.
    ///
    /// - Parameters:
    ///   - headerByte: The NAL unit's first byte.
    public init(headerByte: UInt8) {
        self.init(rawValue: headerByte >> 1)
    }

    /// IDR picture that may have RADL pictures (IDR_W_RADL).
    public static let idrWithLeadingPictures = HEVCNALUnitType(rawValue: 19)
    /// IDR picture without leading pictures (IDR_N_LP).
    public static let idrNoLeadingPictures = HEVCNALUnitType(rawValue: 20)
    /// Clean random access picture (CRA_NUT).
    public static let cleanRandomAccess = HEVCNALUnitType(rawValue: 21)
    /// Video parameter set.
    public static let videoParameterSet = HEVCNALUnitType(rawValue: 32)
    /// Sequence parameter set.
    public static let sequenceParameterSet = HEVCNALUnitType(rawValue: 33)
    /// Picture parameter set.
    public static let pictureParameterSet = HEVCNALUnitType(rawValue: 34)
    /// Access unit delimiter.
    public static let accessUnitDelimiter = HEVCNALUnitType(rawValue: 35)
    /// End of sequence.
    public static let endOfSequence = HEVCNALUnitType(rawValue: 36)
    /// End of bitstream.
    public static let endOfBitstream = HEVCNALUnitType(rawValue: 37)
    /// Prefix supplemental enhancement information.
    public static let prefixSEI = HEVCNALUnitType(rawValue: 39)
    /// Suffix supplemental enhancement information.
    public static let suffixSEI = HEVCNALUnitType(rawValue: 40)

    /// Whether the unit is an intra random access point picture (types 16 through 23).
    public var isIRAP: Bool {
        (16...23).contains(rawValue)
    }

    /// Whether the unit is a VCL (coded slice) NAL unit (types 0 through 31).
    public var isVCL: Bool {
        rawValue < 32
    }
}
