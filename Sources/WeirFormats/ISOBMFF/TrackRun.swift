/// The fields of a track fragment run box (`trun`).
public struct TrackRun: Sendable, Hashable {
    /// One sample's entry; a field is nil when the run's flags leave it out.
    public struct Sample: Sendable, Hashable {
        /// Decode duration, when sample-duration-present.
        public var duration: UInt32?
        /// Size in bytes, when sample-size-present.
        public var size: UInt32?
        /// Sample flags, when sample-flags-present.
        public var flags: UInt32?
        /// Composition time offset, when sample-composition-time-offset-present; signed in version 1.
        public var compositionOffset: Int64?

        /// Creates a sample entry.
        ///
        /// - Parameters:
        ///   - duration: Decode duration.
        ///   - size: Size in bytes.
        ///   - flags: Sample flags.
        ///   - compositionOffset: Composition time offset.
        public init(duration: UInt32? = nil, size: UInt32? = nil, flags: UInt32? = nil, compositionOffset: Int64? = nil) {
            self.duration = duration
            self.size = size
            self.flags = flags
            self.compositionOffset = compositionOffset
        }
    }

    /// The box version: 0 for unsigned composition offsets, 1 for signed.
    public var version: UInt8
    /// The box flags.
    public var flags: UInt32
    /// Offset of the first sample's data from the base data offset, when data-offset-present.
    public var dataOffset: Int32?
    /// Flags of the first sample, when first-sample-flags-present.
    public var firstSampleFlags: UInt32?
    /// The samples, in decode order.
    public var samples: [Sample]

    /// The number of samples in the run.
    public var sampleCount: Int {
        samples.count
    }

    /// Creates a decoded run.
    ///
    /// - Parameters:
    ///   - version: The box version.
    ///   - flags: The box flags.
    ///   - dataOffset: The data offset, if present.
    ///   - firstSampleFlags: The first sample's flags, if present.
    ///   - samples: The sample entries.
    public init(version: UInt8, flags: UInt32, dataOffset: Int32?, firstSampleFlags: UInt32?, samples: [Sample]) {
        self.version = version
        self.flags = flags
        self.dataOffset = dataOffset
        self.firstSampleFlags = firstSampleFlags
        self.samples = samples
    }
}
