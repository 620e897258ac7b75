/// One sample (an access unit) of a CMAF fragment, as its `trun` entry describes it.
public struct FragmentSample: Sendable, Hashable {
    /// Decode duration in track timescale ticks.
    public var duration: UInt32
    /// Size in bytes of the sample's data in `mdat`.
    public var size: UInt32
    /// Whether the sample is a sync sample (a random access point such as an IDR frame).
    public var isSync: Bool
    /// Presentation time minus decode time, in track timescale ticks; negative after B-frame reordering
    /// when the first presented sample is shifted to zero.
    public var compositionOffset: Int32

    /// Creates a sample description.
    ///
    /// - Parameters:
    ///   - duration: Decode duration in track timescale ticks.
    ///   - size: Size in bytes of the sample's data.
    ///   - isSync: Whether the sample is a random access point.
    ///   - compositionOffset: Presentation time minus decode time.
    public init(duration: UInt32, size: UInt32, isSync: Bool, compositionOffset: Int32 = 0) {
        self.duration = duration
        self.size = size
        self.isSync = isSync
        self.compositionOffset = compositionOffset
    }

    /// The `sample_flags` of a sync sample: depends on no other sample.
    public static let syncSampleFlags: UInt32 = 0x0200_0000
    /// The `sample_flags` of a non-sync sample: depends on others, and is_non_sync_sample is set.
    public static let nonSyncSampleFlags: UInt32 = 0x0101_0000

    /// The `sample_flags` for this sample.
    public var sampleFlags: UInt32 {
        isSync ? Self.syncSampleFlags : Self.nonSyncSampleFlags
    }
}
