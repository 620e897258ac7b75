import NIOCore
import Synchronization
import Testing
import WeirCore
@testable import WeirFormats

@Suite struct StreamPackagerTests {
    static let video = TrackDeclaration(id: TrackID(0), name: "video", kind: .video)
    static let audio = TrackDeclaration(id: TrackID(1), name: "audio", kind: .audio)
    static let h264 = TrackFormat(
        kind: .video, codec: .h264, timescale: 90_000, configuration: [1, 0x64, 0, 0x1f, 0xff, 0xe0, 0xf0],
        codecString: "avc1.64001f", width: 640, height: 360)
    static let aac = TrackFormat(
        kind: .audio, codec: .aac, timescale: 48_000, configuration: [0x11, 0x90], codecString: "mp4a.40.2",
        sampleRate: 48_000, channelCount: 2, samplesPerFrame: 1024)

    struct Stream {
        let bus: StreamBus
        let window: SegmentWindow
    }

    static func start() -> Stream {
        let policy = SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000))
        let bus = StreamBus(path: "live/t", policy: policy)
        bus.declare(video)
        bus.declare(audio)
        let window = SegmentWindow(path: "live/t", epoch: "e", startedAt: 1_700_000_000_000, targetDuration: 3, windowSize: 50, maxPartsPerSegment: 40)
        _ = StreamPackager(bus: bus, window: window, startedAt: 1_700_000_000_000)
        return Stream(bus: bus, window: window)
    }

    /// Publishes `seconds` of 30 fps video (ms-stamped, B-frame style offsets, GOP 2 s) and AAC,
    /// interleaved by time the way RTMP delivers them.
    static func publish(_ bus: StreamBus, seconds: Int, from startMs: Int64 = 0, audioFirst: Bool = false) {
        var v = 0
        var a = 0
        let frames = seconds * 30
        let audioFrames = seconds * 48_000 / 1024
        while v < frames || a < audioFrames {
            let vms = startMs + Int64((Double(v) * 1000 / 30).rounded())
            let ams = startMs + Int64(a) * 1024 * 1000 / 48_000
            if v < frames, a >= audioFrames || vms <= ams {
                let payload = ByteBuffer(bytes: [0, 0, 0, 2, 0x65, UInt8(v & 0xff)])
                bus.publish(MediaPacket(
                    track: video.id, dts: MediaTime(ticks: vms * 90, timescale: 90_000),
                    compositionOffset: v % 3 == 1 ? 6000 : -3000 + 6000, isKeyframe: v % 60 == 0, data: payload))
                v += 1
            } else {
                bus.publish(MediaPacket(
                    track: audio.id, dts: MediaTime(ticks: Int64(a) * 1024 + startMs * 48, timescale: 48_000),
                    duration: 1024, isKeyframe: true, data: ByteBuffer(bytes: [0x21, UInt8(a & 0xff)])))
                a += 1
            }
        }
    }

    @Test func packagesAlignedSegmentsOfParts() async throws {
        let s = Self.start()
        try s.bus.publish(format: Self.h264, for: Self.video.id)
        try s.bus.publish(format: Self.aac, for: Self.audio.id)
        Self.publish(s.bus, seconds: 10)
        s.bus.end()

        let snapshot = s.window.snapshot()
        #expect(snapshot.ended)
        let target = try #require(snapshot.partTarget)
        let videoTrack = try #require(snapshot.track(named: "video"))
        let audioTrack = try #require(snapshot.track(named: "audio"))
        #expect(videoTrack.segments.map(\.sequence) == Array(0..<5))
        #expect(audioTrack.segments.map(\.sequence) == Array(0..<5))
        #expect(videoTrack.inits.count == 1 && audioTrack.inits.count == 1)

        var expectedDecodeTime: UInt64 = 0
        var videoSamples = 0
        for segment in videoTrack.segments {
            #expect(segment.isIndependent)
            let joined = segment.parts.reduce(into: ByteBuffer()) { buffer, part in
                var bytes = part.data
                buffer.writeBuffer(&bytes)
            }
            #expect(joined == segment.data)
            for part in segment.parts {
                #expect(part.duration <= target, "video part \(part.duration) > \(target)")
                let boxes = try BoxReader().parse(part.data)
                #expect(boxes.map(\.type) == ["moof", "mdat"])
                let traf = try #require(boxes.find("moof", "traf"))
                let tfdt = try #require(traf.child("tfdt")).tfdtBaseMediaDecodeTime()
                #expect(tfdt == expectedDecodeTime)
                let trun = try #require(traf.child("trun")).trun()
                expectedDecodeTime += trun.samples.reduce(0) { $0 + UInt64($1.duration ?? 0) }
                videoSamples += trun.sampleCount
                #expect(trun.samples.contains { ($0.compositionOffset ?? 0) != 0 })
            }
        }
        #expect(videoSamples == 300)
        for segment in audioTrack.segments {
            for part in segment.parts.dropLast() {
                #expect(part.duration <= target)
                #expect(part.duration.microseconds * 100 >= target.microseconds * 85)
            }
        }
        // Program date time counts from the stream epoch: segment N starts 2 s × N later.
        let pdts = videoTrack.segments.map(\.programDateTime)
        #expect(pdts.first == 1_700_000_000_000)
        #expect(zip(pdts, pdts.dropFirst()).allSatisfy { $1 - $0 == 2000 })
    }

    @Test func partsAreInTheWindowWhenThePublishReturnsAndTheEndIsReportedOnce() async throws {
        let policy = SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000))
        let bus = StreamBus(path: "live/t", policy: policy)
        bus.declare(Self.video)
        bus.declare(Self.audio)
        let window = SegmentWindow(path: "live/t", epoch: "e", startedAt: 0, targetDuration: 3, windowSize: 50, maxPartsPerSegment: 40)
        let ends = Mutex(0)
        _ = StreamPackager(bus: bus, window: window, startedAt: 0) { ends.withLock { $0 += 1 } }
        try bus.publish(format: Self.h264, for: Self.video.id)
        try bus.publish(format: Self.aac, for: Self.audio.id)
        Self.publish(bus, seconds: 1)
        // No task ran in between: the packager works in the publisher's call.
        let video = try #require(window.snapshot().track(named: "video"))
        #expect((video.current?.parts.count ?? 0) >= 4)
        #expect(!window.snapshot().ended)
        bus.end()
        bus.end()
        #expect(window.snapshot().ended)
        #expect(ends.withLock { $0 } == 1)
    }

    static func keyframe(atMs ms: Int64) -> MediaPacket {
        MediaPacket(
            track: video.id, dts: MediaTime(ticks: ms * 90, timescale: 90_000), compositionOffset: 6000,
            isKeyframe: true, data: ByteBuffer(bytes: [0, 0, 0, 2, 0x65, 0]))
    }

    @Test func aDropRightAfterASegmentsKeyframeLeavesAudioAGapOfTheSameNumber() async throws {
        let s = Self.start()
        try s.bus.publish(format: Self.h264, for: Self.video.id)
        try s.bus.publish(format: Self.aac, for: Self.audio.id)
        Self.publish(s.bus, seconds: 6)
        // The keyframe that opens segment 3 is the last thing the first session sends.
        s.bus.publish(Self.keyframe(atMs: 6000))
        s.bus.beginSession()
        Self.publish(s.bus, seconds: 4)
        s.bus.end()

        let snapshot = s.window.snapshot()
        let target = try #require(snapshot.partTarget)
        let video = try #require(snapshot.track(named: "video"))
        let audio = try #require(snapshot.track(named: "audio"))
        #expect(video.segments.map(\.sequence) == Array(0..<6))
        #expect(audio.segments.map(\.sequence) == video.segments.map(\.sequence))
        #expect(audio.segments.map(\.isGap) == [false, false, false, true, false, false])
        #expect(video.segments.allSatisfy { !$0.isGap })
        #expect(audio.segments.map(\.discontinuity) == video.segments.map(\.discontinuity))
        #expect(audio.segments.map(\.programDateTime) == video.segments.map(\.programDateTime))

        // The gap covers the time of video's one-frame segment, in parts a player could have
        // asked for, with no bytes to load.
        let gap = audio.segments[3]
        #expect(gap.startTime.converted(to: 90_000) == video.segments[3].startTime)
        #expect(abs(gap.duration.microseconds - video.segments[3].duration.microseconds) < 100)
        #expect(gap.parts.allSatisfy { $0.isGap && $0.data.readableBytes == 0 && $0.duration <= target })
        #expect(gap.data?.readableBytes == 0)
        #expect(audio.segments[4].startTime >= gap.startTime + gap.duration)
    }

    @Test func aTrackWithNothingInTheLastSegmentEndsWithAGap() async throws {
        let s = Self.start()
        try s.bus.publish(format: Self.h264, for: Self.video.id)
        try s.bus.publish(format: Self.aac, for: Self.audio.id)
        Self.publish(s.bus, seconds: 2)
        for frame in 0..<10 {
            s.bus.publish(MediaPacket(
                track: Self.video.id, dts: MediaTime(ticks: (2000 + Int64(frame) * 33) * 90, timescale: 90_000),
                isKeyframe: frame == 0, data: ByteBuffer(bytes: [0, 0, 0, 2, 0x65, 0])))
        }
        s.bus.end()
        let snapshot = s.window.snapshot()
        let video = try #require(snapshot.track(named: "video"))
        let audio = try #require(snapshot.track(named: "audio"))
        #expect(video.segments.map(\.sequence) == [0, 1])
        #expect(audio.segments.map(\.sequence) == [0, 1])
        #expect(audio.segments.last?.isGap == true)
        #expect(abs((audio.segments.last?.duration.microseconds ?? 0) - video.segments[1].duration.microseconds) < 100)
    }

    @Test func gapPartsFollowThePartDurationRules() {
        // 200 ms parts at 48 kHz: 9600 ticks.
        #expect(StreamPackager.gapParts(duration: 4_000, partTicks: 9_600, minimumLast: 48) == [4_000])
        #expect(StreamPackager.gapParts(duration: 19_200, partTicks: 9_600, minimumLast: 48) == [9_600, 9_600])
        #expect(StreamPackager.gapParts(duration: 20_000, partTicks: 9_600, minimumLast: 48) == [9_600, 9_600, 800])
        // A remainder under a millisecond would be listed as DURATION=0.000: it takes from the others.
        #expect(StreamPackager.gapParts(duration: 19_210, partTicks: 9_600, minimumLast: 48) == [9_581, 9_581, 48])
        #expect(StreamPackager.gapParts(duration: 0, partTicks: 9_600, minimumLast: 48) == [])
        for duration in [1, 47, 48, 9_599, 9_600, 9_601, 9_647, 96_001] as [Int64] {
            let parts = StreamPackager.gapParts(duration: duration, partTicks: 9_600, minimumLast: 48)
            #expect(parts.reduce(0, +) == duration)
            #expect(parts.allSatisfy { $0 > 0 && $0 <= 9_600 })
            #expect(parts.dropLast().allSatisfy { $0 * 100 >= 9_600 * 85 })
        }
    }

    @Test func changedHeaderStartsANewInitWithADiscontinuity() async throws {
        let s = Self.start()
        try s.bus.publish(format: Self.h264, for: Self.video.id)
        try s.bus.publish(format: Self.aac, for: Self.audio.id)
        Self.publish(s.bus, seconds: 3)
        var changed = Self.h264
        changed.width = 1280
        changed.configuration = [1, 0x64, 0, 0x28, 0xff, 0xe0, 0xf0]
        try s.bus.publish(format: changed, for: Self.video.id)
        Self.publish(s.bus, seconds: 3, from: 3000)
        s.bus.end()

        let videoTrack = try #require(s.window.snapshot().track(named: "video"))
        #expect(videoTrack.inits.map(\.number) == [0, 1])
        let cut = try #require(videoTrack.segments.first { $0.discontinuity })
        #expect(cut.initNumber == 1)
        #expect(cut.startTime == MediaTime(ticks: 3000 * 90, timescale: 90_000))
        #expect(videoTrack.segments.filter { $0.initNumber == 0 }.allSatisfy { !$0.discontinuity })
    }
}
