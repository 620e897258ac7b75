extension HEVCDecoderConfigurationRecord {
    /// One array of an hvcC record: NAL units of a single type.
    public struct NALUnitArray: Sendable, Hashable {
        /// Whether all units of this type are in the array, none in the samples.
        public let arrayCompleteness: Bool
        /// The type of every unit in the array.
        public let nalUnitType: HEVCNALUnitType
        /// The NAL units, headers included.
        public let nalUnits: [[UInt8]]
    }
}
