extension MPEGTSDemuxer {
    /// Program selection and the limits that bound the demuxer's memory.
    public struct Configuration: Hashable, Sendable {
        /// The program to demux; nil selects the first program in the PAT that carries
        /// H.264 or H.265, else the first that carries any packaged stream, else the first.
        public var programNumber: UInt16?
        /// The largest PES packet (or video access unit) reassembled, in bytes; larger ones are
        /// dropped and counted.
        public var maxPESSize: Int
        /// The most packaged streams of the selected program reassembled at once.
        public var maxStreams: Int
        /// The most programs tracked from the PAT.
        public var maxPrograms: Int
        /// Packets to wait after the PAT for program maps of earlier programs before automatic
        /// selection settles for the programs whose maps did arrive.
        public var selectionTimeoutPackets: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - programNumber: The program to demux, or nil for automatic selection.
        ///   - maxPESSize: The PES size cap in bytes; at least 64 KiB is used.
        ///   - maxStreams: The packaged stream cap, at least 1.
        ///   - maxPrograms: The program cap, at least 1.
        ///   - selectionTimeoutPackets: Packets to wait for program maps.
        public init(
            programNumber: UInt16? = nil, maxPESSize: Int = 8 << 20, maxStreams: Int = 16, maxPrograms: Int = 256,
            selectionTimeoutPackets: Int = 2048
        ) {
            self.programNumber = programNumber
            self.maxPESSize = max(maxPESSize, 1 << 16)
            self.maxStreams = max(maxStreams, 1)
            self.maxPrograms = max(maxPrograms, 1)
            self.selectionTimeoutPackets = max(selectionTimeoutPackets, 0)
        }
    }
}
