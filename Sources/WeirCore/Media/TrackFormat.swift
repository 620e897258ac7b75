/// What a decoder needs to know about a track: codec, configuration record and timescale.
///
/// A new format on a track (a changed SPS/PPS or AudioSpecificConfig) starts a new init segment
/// with a discontinuity; an equal one re-sent by the broadcaster changes nothing, which is why
/// this type is `Equatable` over everything that ends up in the init segment.
public struct TrackFormat: Sendable, Hashable {
    public var kind: MediaKind
    public var codec: Codec
    /// Ticks per second of this track's packets: 90 000 for video, the sample rate for audio.
    public var timescale: Int32
    /// `avcC`/`hvcC`/`av1C` record, or the AAC AudioSpecificConfig.
    public var configuration: [UInt8]
    /// RFC 6381 codec string, e.g. `avc1.64001f` or `mp4a.40.2`.
    public var codecString: String
    public var width: Int
    public var height: Int
    /// Nominal frame rate as a fraction, when the bitstream or metadata tells it.
    public var frameRate: FrameRate?
    public var sampleRate: Int
    public var channelCount: Int
    /// Samples per audio frame (1024 for AAC-LC), used to count audio time in frames.
    public var samplesPerFrame: Int

    public init(
        kind: MediaKind, codec: Codec, timescale: Int32, configuration: [UInt8], codecString: String,
        width: Int = 0, height: Int = 0, frameRate: FrameRate? = nil,
        sampleRate: Int = 0, channelCount: Int = 0, samplesPerFrame: Int = 0
    ) {
        self.kind = kind
        self.codec = codec
        self.timescale = timescale
        self.configuration = configuration
        self.codecString = codecString
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.samplesPerFrame = samplesPerFrame
    }
}

extension TrackFormat {
    /// Why a format cannot be packaged.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The format itself if every value that time and packaging depend on is usable.
    ///
    /// Formats are built from bytes a publisher sent (an AudioSpecificConfig may name a sample
    /// rate of 0); the bus checks each one here before anything divides by its timescale.
    public func validated() throws(Invalid) -> TrackFormat {
        guard timescale > 0 else { throw Invalid(description: "timescale \(timescale) is not positive") }
        guard !configuration.isEmpty else { throw Invalid(description: "no codec configuration") }
        switch kind {
        case .audio:
            guard sampleRate > 0, channelCount > 0, samplesPerFrame > 0 else {
                throw Invalid(description: "audio with sample rate \(sampleRate), \(channelCount) channels, \(samplesPerFrame) samples per frame")
            }
        case .video:
            guard (0...65535).contains(width), (0...65535).contains(height) else {
                throw Invalid(description: "picture size \(width)x\(height)")
            }
        }
        return self
    }
}
