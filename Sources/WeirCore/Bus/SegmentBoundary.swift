/// A cut decided once per stream by its ``SegmentClock`` and announced on the bus.
///
/// Every output and every rendition cuts at the same boundaries, so segment number N means the
/// same media everywhere. Part boundaries apply to the lead track; other tracks cut their own
/// parts and follow segment boundaries only.
public struct SegmentBoundary: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Starts segment ``SegmentBoundary/sequence`` (and its part 0).
        case segment
        /// Starts a new part within the current segment.
        case part
    }

    public var kind: Kind
    /// Media sequence number of the segment this boundary starts or continues.
    public var sequence: Int64
    /// The lead track's decode time at which the cut happens.
    public var time: MediaTime
    /// The lead track's first packet after the cut is a keyframe.
    public var independent: Bool
    /// The segment follows a timestamp jump or a format change.
    public var discontinuity: Bool
    /// The lead track the clock cuts by.
    public var leadTrack: TrackID
    /// When the bus received the packet that closed the previous part, for measuring how soon
    /// outputs make the part available.
    public var decidedAt: ContinuousClock.Instant?

    public init(kind: Kind, sequence: Int64, time: MediaTime, independent: Bool, discontinuity: Bool, leadTrack: TrackID) {
        self.kind = kind
        self.sequence = sequence
        self.time = time
        self.independent = independent
        self.discontinuity = discontinuity
        self.leadTrack = leadTrack
    }
}
