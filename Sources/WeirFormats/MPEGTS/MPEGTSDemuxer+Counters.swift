extension MPEGTSDemuxer {
    /// What the demuxer has seen, including everything it dropped or skipped.
    public struct Counters: Hashable, Sendable {
        /// Transport packets parsed.
        public var packets = 0
        /// Bytes fed.
        public var bytes = 0
        /// Times the sync byte pattern was searched for and found again (garbage at the start
        /// counts once).
        public var resyncs = 0
        /// Bytes discarded while searching for sync.
        public var discardedBytes = 0
        /// Continuity counter jumps on PIDs the demuxer follows.
        public var ccErrors = 0
        /// Packets repeated with the same continuity counter, ignored as the standard allows.
        public var duplicatePackets = 0
        /// PSI sections whose CRC_32 did not match.
        public var crcErrors = 0
        /// Sections that checked but did not parse.
        public var malformedSections = 0
        /// Packets with `transport_error_indicator` set, or a reserved or oversized header field.
        public var transportErrors = 0
        /// Packets of followed PIDs with scrambled payloads.
        public var scrambledPackets = 0
        /// PES packets lost: cut by continuity errors, oversized or malformed.
        public var droppedPES = 0
        /// Of ``droppedPES``, those over the configured size cap.
        public var oversizedPES = 0
        /// Of ``droppedPES``, those whose header did not parse.
        public var malformedPES = 0
        /// Time base discontinuities signalled on the PCR PID.
        public var discontinuities = 0
        /// Packets of the selected program's streams that are not packaged, by stream type.
        public var skippedPackets: [MPEGTSStreamType: Int] = [:]
        /// Packets of PIDs outside the selected program, including null packets.
        public var otherPackets = 0

        /// Creates zeroed counters.
        public init() {}

        /// All skipped packets, whatever their stream type.
        public var totalSkippedPackets: Int {
            skippedPackets.values.reduce(0, +)
        }
    }
}
