extension MPEGTSMediaAdapter {
    /// What the adapter produced and dropped.
    public struct Counters: Hashable, Sendable {
        /// Video samples handed out.
        public var videoPackets = 0
        /// Audio frames handed out.
        public var audioPackets = 0
        /// Frames dropped because their track's format was not known yet.
        public var droppedBeforeFormat = 0
        /// Video frames dropped while waiting for a keyframe (at the start, and after lost data).
        public var droppedUntilKeyframe = 0
        /// Units dropped because no time could be given to them.
        public var droppedUntimed = 0
        /// Frames or parameter sets dropped because they did not parse or are not supported
        /// (ADTS with several raw data blocks or channel configuration 0).
        public var droppedMalformed = 0
        /// Bytes skipped in audio PES payloads while looking for an ADTS syncword.
        public var skippedAudioBytes = 0
        /// Access units of streams not chosen (a second video or audio stream).
        public var ignoredUnits = 0
        /// Timeline discontinuities reported.
        public var discontinuities = 0
        /// Video frames whose decode time did not increase and was moved one tick later.
        public var adjustedTimestamps = 0

        /// Creates zeroed counters.
        public init() {}
    }
}
