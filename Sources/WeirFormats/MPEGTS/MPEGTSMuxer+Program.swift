extension MPEGTSMuxer {
    /// One program the muxer announces in its PAT, with its PMT.
    public struct Program: Hashable, Sendable {
        /// `program_number`, 1 through 65535.
        public var number: UInt16
        /// The PID of the program map.
        public var pmtPID: UInt16
        /// The PID whose adaptation fields carry the PCR, usually the video PID.
        public var pcrPID: UInt16
        /// The elementary streams, in map order.
        public var streams: [MPEGTSElementaryStream]

        /// Creates a program.
        ///
        /// - Parameters:
        ///   - number: The program number.
        ///   - pmtPID: The program map PID.
        ///   - pcrPID: The PCR PID.
        ///   - streams: The elementary streams.
        public init(number: UInt16, pmtPID: UInt16, pcrPID: UInt16, streams: [MPEGTSElementaryStream]) {
            self.number = number
            self.pmtPID = pmtPID & 0x1FFF
            self.pcrPID = pcrPID & 0x1FFF
            self.streams = streams
        }
    }
}
