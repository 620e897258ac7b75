import NIOCore
import Testing
import WeirCore

@Suite struct StreamBusTests {
    static let video = TrackDeclaration(id: TrackID(0), name: "video", kind: .video)
    static let audio = TrackDeclaration(id: TrackID(1), name: "audio", kind: .audio)
    static let h264 = TrackFormat(kind: .video, codec: .h264, timescale: 90_000, configuration: [1, 2, 3], codecString: "avc1.64001f", width: 1280, height: 720)

    static func makeBus() -> StreamBus {
        let bus = StreamBus(path: "live/test", policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
        bus.declare(video)
        bus.declare(audio)
        return bus
    }

    static func frame(_ i: Int, key: Bool) -> MediaPacket {
        MediaPacket(track: video.id, dts: MediaTime(ticks: Int64(i) * 3000, timescale: 90_000), isKeyframe: key, data: ByteBuffer(bytes: [0, 0, 0, 1, 0x65]))
    }

    @Test func lateSubscriberGetsFormatsFirst() async throws {
        let bus = Self.makeBus()
        try bus.publish(format: Self.h264, for: Self.video.id)
        for i in 0..<5 { bus.publish(Self.frame(i, key: i == 0)) }
        let subscription = bus.subscribe()
        bus.publish(Self.frame(5, key: false))
        bus.end()
        var events: [StreamEvent] = []
        for await e in subscription { events.append(e) }
        guard case .format(let id, let f) = events.first else {
            Issue.record("first event is not a format: \(events)")
            return
        }
        #expect(id == Self.video.id && f == Self.h264)
        #expect(events.contains { if case .packet = $0 { true } else { false } })
        if case .end = events.last {} else { Issue.record("last event is not end") }
    }

    @Test func identicalHeaderChangesNothingAndANewOneCutsWithDiscontinuity() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        #expect(try bus.publish(format: Self.h264, for: Self.video.id))
        for i in 0..<10 { bus.publish(Self.frame(i, key: i == 0)) }
        #expect(try !bus.publish(format: Self.h264, for: Self.video.id))
        var changed = Self.h264
        changed.configuration = [9, 9, 9]
        #expect(try bus.publish(format: changed, for: Self.video.id))
        bus.publish(Self.frame(10, key: true))
        bus.end()
        var formats = 0
        var discontinuities: [Int64] = []
        for await e in subscription {
            if case .format = e { formats += 1 }
            if case .boundary(let b) = e, b.discontinuity { discontinuities.append(b.time.ticks) }
        }
        #expect(formats == 2)
        #expect(discontinuities == [30_000])
    }

    @Test func slowSubscriberDropsToTheNextKeyframeAndCounts() async throws {
        let bus = Self.makeBus()
        try bus.publish(format: Self.h264, for: Self.video.id)
        let subscription = bus.subscribe(policy: SubscriberPolicy(capacity: 10))
        // The reader stalls: 15 frames overflow a queue of 10.
        for i in 0..<15 { bus.publish(Self.frame(i, key: i == 0)) }
        var delivered: [Int64] = []
        var iterator = subscription.makeAsyncIterator()
        while delivered.count < 10, let e = await iterator.next() {
            if case .packet(let p) = e { delivered.append(p.dts.ticks / 3000) }
        }
        // It caught up, but delivery resumes only at the next keyframe (20).
        for i in 15..<30 { bus.publish(Self.frame(i, key: i == 20)) }
        bus.end()
        while let e = await iterator.next() {
            if case .packet(let p) = e { delivered.append(p.dts.ticks / 3000) }
        }
        #expect(Array(delivered.prefix(10)) == Array(0..<10))
        #expect(delivered.dropFirst(10).first == 20, "resumes at the keyframe: \(delivered)")
        #expect(subscription.droppedPackets == 10)
        #expect(delivered.count == 20)
    }

    @Test func packetsOfUndeclaredOrFormatlessTracksAreIgnored() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        bus.publish(Self.frame(0, key: true))  // no format yet
        bus.end()
        var packets = 0
        for await e in subscription { if case .packet = e { packets += 1 } }
        #expect(packets == 0)
    }

    @Test func aReturningPublisherContinuesTheTimelineWithADiscontinuity() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        try bus.publish(format: Self.h264, for: Self.video.id)
        for i in 0..<90 { bus.publish(Self.frame(i, key: i % 30 == 0)) }
        // The broadcaster reconnects and its encoder starts again from zero.
        bus.beginSession()
        for i in 0..<30 { bus.publish(Self.frame(i, key: i == 0)) }
        bus.end()
        var dts: [Int64] = []
        var discontinuities: [Int64] = []
        for await e in subscription {
            if case .packet(let p) = e { dts.append(p.dts.ticks) }
            if case .boundary(let b) = e, b.discontinuity { discontinuities.append(b.time.ticks) }
        }
        #expect(dts.count == 120)
        #expect(zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 }, "the timeline never goes back")
        // The last frame was at 89 × 3000 ticks; the next session resumes 20 ms (1800 ticks) later.
        #expect(dts[90] == 89 * 3000 + 1800)
        #expect(discontinuities == [dts[90]])
    }

    @Test func aReturningPublisherIsShownAfterThePicturesPendingAtTheDrop() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        try bus.publish(format: Self.h264, for: Self.video.id)
        func frame(_ i: Int, key: Bool, showAfter frames: Int) -> MediaPacket {
            var packet = Self.frame(i, key: key)
            packet.compositionOffset = Int32(frames * 3000)
            return packet
        }
        // The drop comes after a P-frame shown three frames after it is decoded: the B-frames
        // that would have been shown before it never arrive.
        for i in 0..<89 { bus.publish(frame(i, key: i % 30 == 0, showAfter: 1)) }
        bus.publish(frame(89, key: false, showAfter: 3))
        bus.beginSession()
        for i in 0..<30 { bus.publish(frame(i, key: i == 0, showAfter: i == 0 ? 2 : (i % 2 == 0 ? 3 : 0))) }
        bus.end()
        var packets: [MediaPacket] = []
        for await case .packet(let p) in subscription { packets.append(p) }
        #expect(packets.count == 120)
        let before = packets.prefix(90), after = packets.dropFirst(90)
        let lastShown = before.map(\.pts.ticks).max() ?? 0
        let firstShown = after.map(\.pts.ticks).min() ?? 0
        #expect(lastShown == 89 * 3000 + 9000)
        #expect(firstShown > lastShown, "first picture after the reconnect at \(firstShown), last one before at \(lastShown)")
        let dts = packets.map(\.dts.ticks)
        #expect(zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 }, "the timeline never goes back")
        // Shown 20 ms (1800 ticks) after the last picture, not 20 ms after the last decode time.
        #expect(dts[90] == lastShown + 1800)
    }

    @Test func aReturningPublisherContinuesAfterAudioThatEndsLast() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        try bus.publish(format: Self.h264, for: Self.video.id)
        try bus.publish(format: Self.aac, for: Self.audio.id)
        for i in 0..<30 { bus.publish(Self.frame(i, key: i == 0)) }
        // Audio runs to 1.024 s (48 frames of 1024 samples at 48 kHz): past the last video frame.
        for i in 0..<48 { bus.publish(Self.audioFrame(i)) }
        bus.beginSession()
        bus.publish(Self.frame(0, key: true))
        bus.end()
        var last: MediaPacket?
        for await case .packet(let p) in subscription { last = p }
        let resumed = try #require(last)
        // 1.024 s + 20 ms, in 90 kHz ticks.
        #expect(resumed.dts == MediaTime(ticks: 92_160 + 1_800, timescale: 90_000))
    }

    static let aac = TrackFormat(
        kind: .audio, codec: .aac, timescale: 48_000, configuration: [0x11, 0x90], codecString: "mp4a.40.2",
        sampleRate: 48_000, channelCount: 2, samplesPerFrame: 1024)

    static func audioFrame(_ i: Int) -> MediaPacket {
        MediaPacket(track: audio.id, dts: MediaTime(ticks: Int64(i) * 1024, timescale: 48_000), duration: 1024, isKeyframe: true, data: ByteBuffer(bytes: [1]))
    }

    @Test func videoLeadsEvenWhenAudioArrivesFirst() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        try bus.publish(format: Self.aac, for: Self.audio.id)
        for i in 0..<10 { bus.publish(Self.audioFrame(i)) }
        try bus.publish(format: Self.h264, for: Self.video.id)
        for i in 0..<90 { bus.publish(Self.frame(i, key: i % 60 == 0)) }
        bus.end()
        var leads = Set<TrackID>()
        for await case .boundary(let b) in subscription { leads.insert(b.leadTrack) }
        #expect(leads == [Self.video.id])
    }

    @Test func audioLeadsAnAudioOnlyPublishAfterAGracePeriod() async throws {
        let bus = Self.makeBus()
        let subscription = bus.subscribe()
        try bus.publish(format: Self.aac, for: Self.audio.id)
        for i in 0..<200 { bus.publish(Self.audioFrame(i)) }
        bus.end()
        var first: SegmentBoundary?
        for await case .boundary(let b) in subscription where first == nil { first = b }
        #expect(first?.leadTrack == Self.audio.id)
        // Audio waited one second for video before leading.
        #expect(first?.time == MediaTime(ticks: 47 * 1024, timescale: 48_000))
    }

    @Test func aFormatThatCannotBePackagedIsRefusedAndChangesNothing() throws {
        let bus = Self.makeBus()
        var broken = Self.aac
        broken.timescale = 0
        broken.sampleRate = 0
        #expect(throws: TrackFormat.Invalid.self) { try bus.publish(format: broken, for: Self.audio.id) }
        #expect(bus.format(of: Self.audio.id) == nil)
        // Packets of the refused track go nowhere rather than dividing by its timescale.
        bus.publish(MediaPacket(track: Self.audio.id, dts: MediaTime(ticks: 0, timescale: 0), duration: 1024, isKeyframe: true, data: ByteBuffer()))
        #expect(bus.statistics.packets == 0)
    }

    @Test func timeArithmeticNeverTrapsOnAZeroTimescale() {
        #expect(MediaTime(ticks: 5, timescale: 0).converted(to: 90_000).ticks == 0)
        #expect(MediaTime(ticks: 5, timescale: 90_000).converted(to: 0).ticks == 0)
        #expect(MediaTime(ticks: 5, timescale: 0).microseconds == 0)
    }
}
