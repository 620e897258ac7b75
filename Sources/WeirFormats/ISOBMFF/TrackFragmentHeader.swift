/// The fields of a track fragment header box (`tfhd`).
public struct TrackFragmentHeader: Sendable, Hashable {
    /// The box flags.
    public var flags: UInt32
    /// The track the fragment belongs to.
    public var trackID: UInt32
    /// An explicit base data offset, when base-data-offset-present.
    public var baseDataOffset: UInt64?
    /// The sample description index, when present.
    public var sampleDescriptionIndex: UInt32?
    /// The default sample duration, when present.
    public var defaultSampleDuration: UInt32?
    /// The default sample size, when present.
    public var defaultSampleSize: UInt32?
    /// The default sample flags, when present.
    public var defaultSampleFlags: UInt32?

    /// Whether data offsets count from the start of the enclosing `moof`.
    public var defaultBaseIsMoof: Bool {
        flags & 0x02_0000 != 0
    }

    /// Whether the fragment is empty and only carries a duration.
    public var durationIsEmpty: Bool {
        flags & 0x01_0000 != 0
    }

    /// Creates a decoded header.
    ///
    /// - Parameters:
    ///   - flags: The box flags.
    ///   - trackID: The track ID.
    public init(flags: UInt32, trackID: UInt32) {
        self.flags = flags
        self.trackID = trackID
    }
}
