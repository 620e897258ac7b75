public import WeirCore

extension MPEGTSMediaAdapter {
    /// What the adapter hands to an ingest, which maps kinds to the bus's declared tracks.
    public enum Output: Hashable, Sendable {
        /// The format of the kind's track, before its first sample and whenever it changes.
        case format(MediaKind, TrackFormat)
        /// One frame of the kind's track.
        case packet(MediaKind, Sample)
        /// The timeline jumped (a time base discontinuity, an encoder restart); it was rebased
        /// to continue, and the next segment should start with a discontinuity.
        case discontinuity
    }
}
