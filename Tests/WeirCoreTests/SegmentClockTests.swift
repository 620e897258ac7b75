import NIOCore
import Testing
import WeirCore

@Suite struct SegmentClockTests {
    static let video = TrackID(0)
    static let policy = SegmentationPolicy(
        segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000))

    struct Cut {
        var kind: SegmentBoundary.Kind
        var ticks: Int64
        var independent: Bool
    }

    /// Feeds `count` video frames stamped in whole milliseconds (as RTMP carries them) and
    /// returns the cuts and the part target.
    static func run(fps: Double, gop: Int, count: Int, policy: SegmentationPolicy = policy) -> (cuts: [Cut], target: MediaTime?) {
        var clock = SegmentClock(policy: policy)
        var cuts: [Cut] = []
        var target: MediaTime?
        for i in 0..<count {
            let ms = Int64((Double(i) * 1000 / fps).rounded())
            let packet = MediaPacket(track: video, dts: MediaTime(ticks: ms * 90, timescale: 90_000), isKeyframe: i % gop == 0, data: ByteBuffer())
            for event in clock.events(before: packet, leadCandidate: video, sampleDuration: 0) {
                switch event {
                case .boundary(let b): cuts.append(Cut(kind: b.kind, ticks: b.time.ticks, independent: b.independent))
                case .partTarget(let t): target = t
                default: break
                }
            }
        }
        return (cuts, target)
    }

    @Test(arguments: [24.0, 25.0, 30.0, 50.0, 60.0, 30000.0 / 1001])
    func partsMeetTheTargetAtCommonFrameRates(fps: Double) throws {
        let gop = Int((2 * fps).rounded())
        let (cuts, target) = Self.run(fps: fps, gop: gop, count: Int(fps * 20))
        let partTarget = try #require(target).converted(to: 90_000).ticks
        #expect(partTarget <= 19_800 + 90 * 12, "part target \(partTarget) far above 200 ms")
        var segmentDurations: [Int64] = []
        var segmentStart = cuts[0].ticks
        // Parts between consecutive cuts; ignore the first part (before the target was fixed).
        for (index, pair) in zip(cuts, cuts.dropFirst()).enumerated() {
            let duration = pair.1.ticks - pair.0.ticks
            #expect(duration <= partTarget, "part \(index) is \(duration) > \(partTarget) at \(fps) fps")
            let isLastOfSegment = pair.1.kind == .segment
            if index > 0, !isLastOfSegment, !pair.0.independent {
                #expect(Double(duration) >= 0.85 * Double(partTarget), "part \(index) is \(duration), under 85% of \(partTarget)")
            }
            if pair.1.kind == .segment {
                segmentDurations.append(pair.1.ticks - segmentStart)
                segmentStart = pair.1.ticks
            }
        }
        #expect(segmentDurations.count >= 8)
        for d in segmentDurations { #expect(abs(d - 180_000) <= 90 * 2, "segment \(d) ticks") }
        let allIndependent = cuts.filter { $0.kind == .segment }.allSatisfy { $0.independent }
        #expect(allIndependent)
    }

    @Test func longKeyframeIntervalIsCutWithoutKeyframes() {
        // OBS's default: a keyframe every 250 frames at 30 fps.
        let (cuts, _) = Self.run(fps: 30, gop: 250, count: 30 * 20)
        let segments = cuts.filter { $0.kind == .segment }
        var previous = segments[0].ticks
        for s in segments.dropFirst() {
            #expect(s.ticks - previous <= Self.policy.maxSegment.converted(to: 90_000).ticks)
            previous = s.ticks
        }
        #expect(segments.contains { !$0.independent }, "forced cuts are not independent")
        #expect(segments.contains { $0.independent && $0.ticks > 0 }, "keyframes still start segments")
        #expect(Self.policy.targetDurationSeconds == 3)
    }

    @Test func audioOnlyStreamsCutByTime() {
        var clock = SegmentClock(policy: Self.policy)
        let audio = TrackID(1)
        var segments: [Int64] = []
        var target: MediaTime?
        for i in 0..<(48_000 * 10 / 1024) {
            let packet = MediaPacket(track: audio, dts: MediaTime(ticks: Int64(i) * 1024, timescale: 48_000), duration: 1024, isKeyframe: true, data: ByteBuffer())
            for event in clock.events(before: packet, leadCandidate: audio, sampleDuration: 1024) {
                if case .boundary(let b) = event, b.kind == .segment { segments.append(b.time.ticks) }
                if case .partTarget(let t) = event { target = t }
            }
        }
        #expect(target == MediaTime(ticks: 195, timescale: 1000))  // 9 frames of 21.333 ms + 3 ms, rounded up
        #expect(segments.count >= 4)
        for (a, b) in zip(segments, segments.dropFirst()) {
            #expect(b - a >= 96_000 - 1024 && b - a <= 96_000 + 1024)
        }
    }

    @Test func waitsForTheFirstKeyframe() {
        var clock = SegmentClock(policy: Self.policy)
        let delta = MediaPacket(track: Self.video, dts: MediaTime(ticks: 0, timescale: 90_000), isKeyframe: false, data: ByteBuffer())
        #expect(clock.events(before: delta, leadCandidate: Self.video, sampleDuration: 0).isEmpty)
        let key = MediaPacket(track: Self.video, dts: MediaTime(ticks: 3000, timescale: 90_000), isKeyframe: true, data: ByteBuffer())
        let events = clock.events(before: key, leadCandidate: Self.video, sampleDuration: 0)
        guard case .boundary(let b) = events.first else {
            Issue.record("expected a boundary")
            return
        }
        #expect(b.sequence == 0 && b.kind == .segment && b.independent)
    }

    @Test func requestedCutCarriesTheDiscontinuity() {
        var clock = SegmentClock(policy: Self.policy)
        var found: SegmentBoundary?
        for i in 0..<30 {
            if i == 20 { clock.requestCut(discontinuity: true) }
            let p = MediaPacket(track: Self.video, dts: MediaTime(ticks: Int64(i) * 3000, timescale: 90_000), isKeyframe: i == 0 || i == 20, data: ByteBuffer())
            for case .boundary(let b) in clock.events(before: p, leadCandidate: Self.video, sampleDuration: 0) where b.discontinuity {
                found = b
            }
        }
        #expect(found?.time.ticks == 60_000)
        #expect(found?.sequence == 1)
    }

    @Test func clampedDecodeTimesStillCutAtKeyframes() {
        // GStreamer's flvmux clamps the negative decode times of a B-frame stream's first
        // frames to zero, so every later decode time runs two frames behind presentation.
        var clock = SegmentClock(policy: Self.policy)
        var cuts: [SegmentBoundary] = []
        for i in 0..<300 {
            let pts = Int64(i) * 3000
            let dts = max(0, pts - 6000)
            let packet = MediaPacket(
                track: Self.video, dts: MediaTime(ticks: dts, timescale: 90_000), compositionOffset: Int32(pts - dts),
                isKeyframe: i % 60 == 0, data: ByteBuffer())
            for case .boundary(let b) in clock.events(before: packet, leadCandidate: Self.video, sampleDuration: 0) where b.kind == .segment {
                cuts.append(b)
            }
        }
        #expect(cuts.count == 5)
        #expect(!cuts.contains { !$0.independent })
    }
}
