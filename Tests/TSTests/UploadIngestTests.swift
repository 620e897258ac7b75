import NIOCore
import Testing
import TS
import WeirCore
import WeirTestSupport

/// HTTP push: the upload handler driven with the chunks a server would hand it.
@Suite struct UploadIngestTests {
    /// Feeds `bytes` to `sink` in chunks of varying sizes, as a chunked body arrives.
    static func feed(_ bytes: some Collection<UInt8>, to sink: any WebUploadSink, seed: UInt64 = 1) -> WebResponse? {
        var generator = SplitMix64(seed: seed)
        var rest = bytes[...]
        while !rest.isEmpty {
            let size = Int.random(in: 1...9000, using: &generator)
            if let early = sink.receive(ByteBuffer(bytes: rest.prefix(size))) { return early }
            rest = rest.dropFirst(size)
        }
        return nil
    }

    static func begin(_ ingest: TSIngest, _ target: String, method: String = "PUT") -> Result<any WebUploadSink, WebUploadRefusal>? {
        ingest.uploadHandler.beginUpload(WebRequest(method: method, target: target), remoteAddress: "127.0.0.1:40000")
    }

    @Test func aPushedTransportStreamPublishesItsPath() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 3)
        let router = TestRouter()
        try await withIngest(router: router, routes: [try studioRoute()]) { ingest in
            let sink = try #require(try Self.begin(ingest, "/ingest/studio/push.ts?key=s3cret")?.get())
            #expect(Self.feed(bytes, to: sink) == nil)
            let response = sink.finish()
            #expect(response.status == 200)

            let recorder = try #require(router.recorder("studio/push"))
            #expect(await eventually { recorder.ended })
            #expect(router.endings == [TestRouter.Ending(path: "studio/push", clean: true)])
            #expect(router.requests.first?.query == ["key": "s3cret"])
            #expect(router.requests.first?.remoteAddress == "127.0.0.1:40000")
            expectTestPattern(RecordedStream(recorder.events), videoFrames: 90...90)
            #expect(ingest.statistics.counters.bytesIn == UInt64(bytes.count))
            #expect(ingest.statistics.counters.media.errors == 0)
        }
    }

    @Test func uploadsTheHandlerDoesNotOwnOrCannotTakeAreAnswered() async throws {
        let router = TestRouter()
        try await withIngest(router: router, routes: [try studioRoute()]) { ingest in
            #expect(Self.begin(ingest, "/upload/studio/x.ts") == nil)
            #expect(Self.begin(ingest, "/ingest/studio/x.mp4") == nil)
            #expect(Self.status(Self.begin(ingest, "/ingest/studio/x.ts", method: "DELETE")) == 405)
            #expect(Self.status(Self.begin(ingest, "/ingest/other/x.ts")) == 404)
            #expect(Self.status(Self.begin(ingest, "/ingest/studio/a%20b.ts")) == 400)
            #expect(Self.status(Self.begin(ingest, "/ingest/studio/x/y.ts")) == 400)
            #expect(Self.status(Self.begin(ingest, "/ingest/.ts")) == 400)

            // One publisher per path: a second upload of a live path is refused as busy.
            let first = try #require(try Self.begin(ingest, "/ingest/studio/busy.ts")?.get())
            #expect(Self.status(Self.begin(ingest, "/ingest/studio/busy.ts", method: "POST")) == 409)
            first.abort()
            #expect(router.endings == [TestRouter.Ending(path: "studio/busy", clean: false)])
            #expect(ingest.statistics.refused == 2)
        }
    }

    static func status(_ result: Result<any WebUploadSink, WebUploadRefusal>?) -> Int? {
        guard case .failure(let refusal) = result else { return nil }
        return refusal.response.status
    }

    @Test func anUploadThatGoesSilentEndsAfterTheIdleTimeout() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 2)
        let router = TestRouter()
        try await withIngest(router: router, routes: [try studioRoute(idleTimeout: .milliseconds(500))]) { ingest in
            let sink = try #require(try Self.begin(ingest, "/ingest/studio/quiet.ts")?.get())
            #expect(Self.feed(bytes.prefix(bytes.count / 2), to: sink) == nil)
            let recorder = try #require(router.recorder("studio/quiet"))
            #expect(await eventually { recorder.ended })
            #expect(router.endings == [TestRouter.Ending(path: "studio/quiet", clean: true)])
            #expect(ingest.statistics.idleTimeouts == 1)
            #expect(ingest.statistics.sessionsActive == 0)
            #expect(RecordedStream(recorder.events).video.count > 20)
            // The encoder wakes up: it is told the stream ended.
            let late = sink.receive(ByteBuffer(bytes: bytes.suffix(188)))
            #expect(late?.status == 408)
            #expect(sink.finish().status == 408)
        }
    }

    @Test func corruptedInputStillYieldsPacketsAndCountsErrors() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 3)
        var generator = SplitMix64(seed: 7)
        var corrupted: [UInt8] = []
        var dropped = 0
        var flipped = 0
        // A few packets lost and bits flipped across the three seconds, the first packets (PAT,
        // PMT, the start of the first keyframe) left intact.
        for (index, packet) in tsPackets(bytes).enumerated() {
            if index % 300 == 150 {
                dropped += 1
                continue
            }
            var packet = packet
            if index > 20, index % 90 == 0 {
                let position = Int.random(in: 1..<188, using: &generator)
                packet[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
                flipped += 1
            }
            corrupted += packet
        }
        #expect(dropped >= 3 && flipped >= 8)

        let router = TestRouter()
        try await withIngest(router: router, routes: [try studioRoute()]) { ingest in
            let sink = try #require(try Self.begin(ingest, "/ingest/studio/noisy.ts")?.get())
            #expect(Self.feed(corrupted, to: sink) == nil)
            #expect(sink.finish().status == 200)
            let recorder = try #require(router.recorder("studio/noisy"))
            #expect(await eventually { recorder.ended })
            let stream = RecordedStream(recorder.events)
            #expect(stream.videoFormat?.codec == .h264 && stream.audioFormat?.codec == .aac)
            #expect(stream.video.count >= 30, "\(stream.video.count) video packets")
            #expect(stream.audio.count >= 80, "\(stream.audio.count) audio packets")
            #expect(stream.videoDTSIsMonotonic)
            #expect(stream.packetsBeforeFormat == 0)
            let counters = ingest.statistics.counters
            // Every dropped packet of a followed PID is a continuity error.
            #expect(counters.media.errors >= dropped, "\(counters.media.errors) errors for \(dropped) dropped packets")
            #expect(counters.media.dropped > 0)
        }
    }

    @Test func garbageBetweenPacketsIsSkipped() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 1)
        var noisy: [UInt8] = Array("not a transport stream".utf8)
        for (index, packet) in tsPackets(bytes).enumerated() {
            noisy += packet
            if index == 100 { noisy += [UInt8](repeating: 0x47, count: 3) + Array(repeating: 0xFF, count: 500) }
        }
        let router = TestRouter()
        try await withIngest(router: router, routes: [try studioRoute()]) { ingest in
            let sink = try #require(try Self.begin(ingest, "/ingest/studio/garbage.ts")?.get())
            #expect(Self.feed(noisy, to: sink) == nil)
            #expect(sink.finish().status == 200)
            let recorder = try #require(router.recorder("studio/garbage"))
            #expect(await eventually { recorder.ended })
            let stream = RecordedStream(recorder.events)
            #expect(stream.video.count >= 20, "\(stream.video.count) video packets")
            #expect(stream.videoDTSIsMonotonic)
            #expect(ingest.statistics.counters.media.errors >= 2)
        }
    }
}

/// A small deterministic generator, so a failing random case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
