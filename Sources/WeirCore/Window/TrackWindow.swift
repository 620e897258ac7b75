/// The live window of one track: recent complete segments and the one being filled.
public struct TrackWindow: Sendable {
    public var name: String
    public var kind: MediaKind
    public var rendition: String
    public var inits: [InitSegment] = []
    /// Complete segments, oldest first.
    public var segments: [Segment] = []
    /// The segment being filled, if any.
    public var current: Segment?
    /// The oldest complete segment a playlist lists. It only moves forward, at segment
    /// boundaries, so a window size change never makes the media sequence go back.
    public var firstListedSequence: Int64 = 0
    /// Discontinuities that left the window, for `EXT-X-DISCONTINUITY-SEQUENCE`.
    public var discontinuitySequence: Int64 = 0
    /// Highest bitrate of a complete segment, bits per second.
    public var peakBitrate: Int64 = 0
    /// Bitrate over all complete segments so far, bits per second.
    public var averageBitrate: Int64 = 0
    /// Segments completed on this track over the event.
    public var segmentsProduced: Int64 = 0
    var totalBytes: Int64 = 0
    var totalMicros: Int64 = 0

    public init(name: String, kind: MediaKind, rendition: String) {
        self.name = name
        self.kind = kind
        self.rendition = rendition
    }

    public var format: TrackFormat? { inits.last?.format }

    /// The sequence number of the newest segment (complete or in progress).
    public var lastSequence: Int64? { current?.sequence ?? segments.last?.sequence }

    /// Looks a segment up by media sequence number, including the one being filled.
    public func segment(_ sequence: Int64) -> Segment? {
        if let current, current.sequence == sequence { return current }
        guard let first = segments.first, sequence >= first.sequence else { return nil }
        let index = Int(sequence - first.sequence)
        if index < segments.count, segments[index].sequence == sequence { return segments[index] }
        return segments.first { $0.sequence == sequence }
    }

    public func initSegment(_ number: Int) -> InitSegment? {
        inits.first { $0.number == number }
    }

    /// Bytes held by this track's window.
    public var byteCount: Int {
        segments.reduce(0) { $0 + $1.byteCount } + (current?.byteCount ?? 0) + inits.reduce(0) { $0 + $1.data.readableBytes }
    }
}
