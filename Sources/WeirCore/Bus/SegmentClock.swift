/// Decides, once per stream, where segments and parts begin.
///
/// The clock watches the lead track (the first declared video track with a known format,
/// otherwise audio). Parts hold a whole number of frames, chosen so that the part target
/// can be met at common frame rates despite RTMP's millisecond timestamps; segments end at a
/// keyframe once they reach the policy's target, or at a part boundary without one when the
/// broadcaster's keyframes are too far apart (see ``SegmentationPolicy``).
public struct SegmentClock: Sendable {
    public let policy: SegmentationPolicy
    public private(set) var leadTrack: TrackID?
    /// Fixed once enough lead frames have been seen; never changes afterwards.
    public private(set) var partTarget: MediaTime?
    /// Sequence number of the segment in progress; -1 before the first.
    public private(set) var sequence: Int64 = -1

    private var segmentStart: MediaTime?
    /// Presentation time of the keyframe (or first frame) that started the segment.
    private var segmentStartPTS: MediaTime?
    private var partStart: MediaTime?
    private var lastLeadDTS: MediaTime?
    private var recentDeltas: [Int64] = []
    private var frameDuration: Int64 = 0
    private var cutPending = false
    private var discontinuityPending = false

    /// Extra room in the part target for timestamps rounded to milliseconds on the wire.
    static let jitterAllowanceMicros: Int64 = 3_000
    static let deltasForEstimate = 4

    public init(policy: SegmentationPolicy) {
        self.policy = policy
    }

    /// Asks for a segment cut at the lead track's next packet, e.g. after a format change.
    ///
    /// - Parameters:
    ///   - discontinuity: the next segment follows a timestamp jump or codec change.
    public mutating func requestCut(discontinuity: Bool) {
        guard sequence >= 0 else { return }
        cutPending = true
        discontinuityPending = discontinuityPending || discontinuity
    }

    /// The events to announce before `packet` is delivered.
    ///
    /// - Parameters:
    ///   - packet: the packet about to be published.
    ///   - kind: the media kind of its track.
    ///   - leadCandidate: the track that should lead if none leads yet.
    public mutating func events(before packet: MediaPacket, leadCandidate: TrackID?, sampleDuration: Int64) -> [StreamEvent] {
        if leadTrack == nil {
            guard let candidate = leadCandidate, candidate == packet.track, packet.isKeyframe else { return [] }
            leadTrack = candidate
        }
        guard packet.track == leadTrack else { return [] }

        let dts = packet.dts
        defer { lastLeadDTS = dts }
        if sampleDuration > 0 {
            frameDuration = sampleDuration
        } else if let last = lastLeadDTS, dts.ticks > last.ticks {
            recentDeltas.append(dts.ticks - last.ticks)
            if recentDeltas.count > 30 { recentDeltas.removeFirst() }
            frameDuration = Self.typicalDelta(recentDeltas)
        }

        guard let segmentStart, let partStart else {
            // First lead packet: segment 0 starts here.
            sequence = 0
            self.segmentStart = dts
            self.segmentStartPTS = packet.pts
            self.partStart = dts
            return [.boundary(SegmentBoundary(kind: .segment, sequence: 0, time: dts, independent: packet.isKeyframe, discontinuity: false, leadTrack: packet.track))]
        }

        var events: [StreamEvent] = []
        if partTarget == nil {
            let elapsed = dts.ticks - partStart.ticks
            let enoughFrames = sampleDuration > 0 || recentDeltas.count >= Self.deltasForEstimate
            if enoughFrames || elapsed >= policy.part.converted(to: dts.timescale).ticks, frameDuration > 0 {
                let target = Self.partTarget(frameDuration: frameDuration, timescale: dts.timescale, requested: policy.part)
                partTarget = target
                events.append(.partTarget(target))
            } else {
                return events
            }
        }
        guard let partTarget else { return events }

        let scale = dts.timescale
        let target = partTarget.converted(to: scale).ticks
        let partElapsed = dts.ticks - partStart.ticks
        let segmentElapsed = dts.ticks - segmentStart.ticks
        let partDue = partElapsed + frameDuration > target
        // Keyframe spacing is measured in presentation time: muxers that clamp the negative
        // decode times of a B-frame stream's first frames (GStreamer's flvmux) shift decode
        // times but not the keyframes' presentation times.
        let presentedElapsed = packet.pts.ticks - (segmentStartPTS?.converted(to: scale).ticks ?? segmentStart.ticks)
        let keyframeCut = packet.isKeyframe && max(segmentElapsed, presentedElapsed) >= policy.segment.converted(to: scale).ticks - frameDuration / 2
        let forcedCut = partDue && segmentElapsed + target > policy.maxSegment.converted(to: scale).ticks

        if cutPending || keyframeCut || forcedCut {
            sequence += 1
            self.segmentStart = dts
            self.segmentStartPTS = packet.pts
            self.partStart = dts
            events.append(.boundary(SegmentBoundary(
                kind: .segment, sequence: sequence, time: dts, independent: packet.isKeyframe,
                discontinuity: discontinuityPending, leadTrack: packet.track)))
            cutPending = false
            discontinuityPending = false
        } else if partDue {
            self.partStart = dts
            events.append(.boundary(SegmentBoundary(
                kind: .part, sequence: sequence, time: dts, independent: packet.isKeyframe,
                discontinuity: false, leadTrack: packet.track)))
        }
        return events
    }

    /// The mean frame step, ignoring gaps (steps over three times the median): millisecond
    /// timestamps make single steps jitter, and a median would pick 33 ms at 29.97 fps.
    static func typicalDelta(_ deltas: [Int64]) -> Int64 {
        let median = deltas.sorted()[deltas.count / 2]
        let regular = deltas.filter { $0 <= median * 3 }
        return max(1, regular.reduce(0, +) / Int64(max(1, regular.count)))
    }

    /// A whole number of frames closest to the requested part duration, plus a jitter allowance,
    /// rounded up to whole milliseconds so the value written into playlists is exact.
    static func partTarget(frameDuration: Int64, timescale: Int32, requested: MediaTime) -> MediaTime {
        let requestedTicks = requested.converted(to: timescale).ticks
        let frames = max(1, (requestedTicks + frameDuration / 2) / frameDuration)
        let ticks = frames * frameDuration + MediaTime.rescale(jitterAllowanceMicros, from: 1_000_000, to: timescale)
        let millis = (MediaTime.rescale(ticks, from: timescale, to: 1_000 * 1_000) + 999) / 1_000
        return MediaTime(ticks: millis, timescale: 1_000)
    }
}
