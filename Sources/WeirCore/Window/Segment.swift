public import NIOCore

/// One segment of one track: its parts, and once complete, their bytes joined.
public struct Segment: Sendable {
    /// Media sequence number; the same number means the same media time on every track.
    public var sequence: Int64
    /// The init segment (`EXT-X-MAP`) this segment needs.
    public var initNumber: Int
    /// Preceded by a timestamp jump or a format change.
    public var discontinuity: Bool
    /// Wall-clock time of the first sample, in milliseconds since 1970, from the stream's epoch.
    public var programDateTime: Int64
    /// Decode time of the first sample.
    public var startTime: MediaTime
    public var parts: [Part]
    public var isComplete: Bool
    /// The whole segment; set when complete. Parts are slices of it, so it is stored once.
    public var data: ByteBuffer?

    public init(sequence: Int64, initNumber: Int, discontinuity: Bool, programDateTime: Int64, startTime: MediaTime) {
        self.sequence = sequence
        self.initNumber = initNumber
        self.discontinuity = discontinuity
        self.programDateTime = programDateTime
        self.startTime = startTime
        self.parts = []
        self.isComplete = false
        self.data = nil
    }

    public var duration: MediaTime {
        parts.reduce(MediaTime.zero(startTime.timescale)) { $0 + $1.duration }
    }

    /// A player can start here: the first part starts with a keyframe, or the segment is a gap
    /// with nothing to decode.
    public var isIndependent: Bool { parts.first.map { $0.independent || $0.isGap } ?? false }

    /// The track has no media for this segment's time (`EXT-X-GAP`): another track's segment of
    /// the same number has some, and numbers stay aligned across tracks.
    public var isGap: Bool { !parts.isEmpty && parts.allSatisfy(\.isGap) }

    public var byteCount: Int { data?.readableBytes ?? parts.reduce(0) { $0 + $1.data.readableBytes } }
}
