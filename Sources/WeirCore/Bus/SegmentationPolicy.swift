/// How a stream is cut into segments and parts, from the route's output options.
///
/// Segments end at the first lead-track keyframe once they have reached ``segment``. A
/// broadcaster whose keyframes are further apart than ``maxSegment`` (OBS's default of 250 frames
/// is 8.3 s at 30 fps) gets segments cut at a part boundary without a keyframe, so the playlist
/// stays valid and latency stays low; those segments are not marked independent.
public struct SegmentationPolicy: Sendable, Hashable {
    /// Segment target: a segment ends at the first keyframe after this much media.
    public var segment: MediaTime
    /// Requested part duration; the effective part target is a whole number of frames near it.
    public var part: MediaTime
    /// Upper bound of a segment's duration; `EXT-X-TARGETDURATION` is this, rounded up to seconds.
    public var maxSegment: MediaTime

    public init(segment: MediaTime, part: MediaTime, maxSegment: MediaTime? = nil) {
        self.segment = segment
        self.part = part
        let defaultMax = MediaTime(ticks: segment.ticks + segment.ticks / 2, timescale: segment.timescale)
        self.maxSegment = max(maxSegment ?? defaultMax, segment)
    }

    /// `EXT-X-TARGETDURATION` in whole seconds: every segment rounds to at most this.
    public var targetDurationSeconds: Int {
        let micros = maxSegment.microseconds
        return Int((micros + 999_999) / 1_000_000)
    }
}
