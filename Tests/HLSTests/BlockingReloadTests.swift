@testable import HLS
import NIOCore
import Testing
import WeirCore

/// Blocking playlist reload and preload-hinted requests, through the handler.
@Suite struct BlockingReloadTests {
    let e = Fixture.epoch

    /// Video and audio: segments 0 and 1 complete (three parts each), segment 2 open with one part.
    func live(targetDuration: Int = 1, maxParts: Int = 8) -> SegmentWindow {
        let window = Fixture.window(targetDuration: targetDuration, maxParts: maxParts)
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<2, openParts: 1)
        return window
    }

    func later(_ body: @escaping @Sendable () -> Void) {
        Task {
            try? await Task.sleep(for: .milliseconds(100))
            body()
        }
    }

    // MARK: Immediate answers

    @Test(arguments: [
        ("_HLS_part=1", "_HLS_part without _HLS_msn"),
        ("_HLS_msn=-1", "negative"),
        ("_HLS_msn=abc", "not a number"),
        ("_HLS_msn=", "empty"),
        ("_HLS_msn=1.5", "fraction"),
        ("_HLS_msn=%2B1", "sign"),
        ("_HLS_msn=99999999999999999999", "too large"),
        ("_HLS_msn=2&_HLS_part=-1", "negative part"),
        ("_HLS_msn=2&_HLS_part=x", "part not a number"),
        ("_HLS_msn=5", "more than two beyond the last segment"),
        ("_HLS_msn=5&_HLS_part=0", "more than two beyond the last segment, with a part"),
        ("_HLS_msn=2&_HLS_part=9", "part beyond the parts a segment can have"),
    ])
    func badRequest(query: String, reason: String) async throws {
        let (_, handler) = Fixture.stream(live(targetDuration: 10))
        let response = try #require(await handler.get("/live/cam1/video.m3u8?" + query))
        #expect(response.status == 400, "\(reason)")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Access-Control-Allow-Origin") == "*")
    }

    @Test(arguments: ["_HLS_msn=1", "_HLS_msn=0&_HLS_part=2", "_HLS_msn=2&_HLS_part=0", "_HLS_msn=1&_HLS_part=5"])
    func alreadyInThePlaylist(query: String) async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        let response = try #require(await handler.get("/live/cam1/video.m3u8?" + query))
        #expect(response.status == 200)
        #expect(response.header("Cache-Control") == "public, max-age=60")
        #expect(response.text == PlaylistRenderer.media(window.snapshot(), track: "video"))
    }

    @Test func endedIgnoresDirectives() async throws {
        let window = live(targetDuration: 10)
        window.end()
        let (_, handler) = Fixture.stream(window)
        for query in ["_HLS_msn=50&_HLS_part=3", "_HLS_msn=3", "_HLS_msn=2&_HLS_part=7"] {
            let response = try #require(await handler.get("/live/cam1/video.m3u8?" + query))
            #expect(response.status == 200)
            #expect(response.header("Cache-Control") == "public, max-age=1")
            #expect(response.text.hasSuffix("#EXT-X-ENDLIST\n"))
        }
    }

    @Test func otherDirectivesAreIgnored() async throws {
        let (_, handler) = Fixture.stream(live(targetDuration: 10))
        let response = try #require(await handler.get("/live/cam1/video.m3u8?_HLS_skip=YES&x=1"))
        #expect(response.status == 200)
        #expect(response.header("Cache-Control") == "public, max-age=1")
    }

    // MARK: Waiting

    @Test func nextPartArrives() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later { Fixture.appendPart(window, "video", 2, 1) }
        let response = try #require(await handler.get("/live/cam1/video.m3u8?_HLS_msn=2&_HLS_part=1"))
        #expect(response.status == 200)
        #expect(response.header("Cache-Control") == "public, max-age=60")
        #expect(response.text.contains("#EXT-X-PART:DURATION=0.200,URI=\"video/\(e)/2.1.m4s\"\n"))
        #expect(response.text.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/2.2.m4s\""))
    }

    @Test func partsOfOtherTracksDoNotAnswer() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later {
            Fixture.appendPart(window, "audio", 2, 1)
            Fixture.appendPart(window, "audio", 2, 2)
            Fixture.appendPart(window, "video", 2, 1)
        }
        let response = try #require(await handler.get("/live/cam1/video.m3u8?_HLS_msn=2&_HLS_part=1"))
        #expect(response.status == 200)
        #expect(response.text.contains("URI=\"video/\(e)/2.1.m4s\""))
    }

    @Test func partPastTheLastOfACompleteSegmentMeansTheNextSegment() async throws {
        let window = Fixture.window(targetDuration: 10)
        Fixture.fill(window, "video", segments: 0..<2)
        Fixture.fill(window, "audio", segments: 0..<2)
        let (_, handler) = Fixture.stream(window)
        later { Fixture.appendPart(window, "video", 2, 0) }
        let response = try #require(await handler.get("/live/cam1/video.m3u8?_HLS_msn=1&_HLS_part=3"))
        #expect(response.status == 200)
        #expect(response.text.contains("#EXT-X-PART:DURATION=0.200,URI=\"video/\(e)/2.0.m4s\",INDEPENDENT=YES"))
    }

    @Test func segmentWithoutPartWaitsUntilComplete() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later {
            Fixture.appendPart(window, "video", 2, 1)
            Fixture.appendPart(window, "video", 2, 2)
            window.closeSegment(track: "video")
        }
        let response = try #require(await handler.get("/live/cam1/video.m3u8?_HLS_msn=2"))
        #expect(response.status == 200)
        #expect(response.text.contains("#EXTINF:0.600,\nvideo/\(e)/2.m4s\n"))
    }

    @Test func heldTooLongIsUnavailable() async throws {
        // Target duration 1: given up after three seconds.
        let (_, handler) = Fixture.stream(live(targetDuration: 1))
        let response = try #require(await handler.get("/live/cam1/video.m3u8?_HLS_msn=3&_HLS_part=0"))
        #expect(response.status == 503)
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Access-Control-Allow-Origin") == "*")
    }

    @Test func endingTheWindowReleasesEveryWaiter() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later { window.end() }
        let responses = await withTaskGroup(of: WebResponse?.self) { group in
            for index in 0..<50 {
                let query = index % 2 == 0 ? "_HLS_msn=2&_HLS_part=1" : "_HLS_msn=3"
                group.addTask { await handler.get("/live/cam1/video.m3u8?" + query) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(responses.count == 50)
        #expect(responses.allSatisfy { $0?.status == 200 && $0?.text.hasSuffix("#EXT-X-ENDLIST\n") == true })
        #expect(responses.allSatisfy { $0?.header("Cache-Control") == "public, max-age=1" })
    }

    @Test func manyWaitersShareOneRendering() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later { Fixture.appendPart(window, "video", 2, 1) }
        let bodies = await withTaskGroup(of: ByteBuffer?.self) { group in
            for _ in 0..<100 {
                group.addTask { await handler.get("/live/cam1/video.m3u8?_HLS_msn=2&_HLS_part=1")?.body }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let first = try #require(bodies.first ?? nil)
        #expect(bodies.allSatisfy { $0 == first })
        #expect(String(buffer: first).contains("2.1.m4s"))
    }

    // MARK: Preload-hinted media

    @Test func hintedPartWaitsAndArrives() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later { Fixture.appendPart(window, "video", 2, 1) }
        let response = try #require(await handler.get("/live/cam1/video/\(e)/2.1.m4s"))
        #expect(response.status == 200)
        #expect(response.body == Fixture.payload("video", 2, 1))
        #expect(response.header("Cache-Control") == "public, max-age=31536000, immutable")
    }

    @Test func hintedFirstPartOfTheNextSegmentWaits() async throws {
        let window = Fixture.window([.video], targetDuration: 10)
        Fixture.fill(window, "video", segments: 0..<2)
        let (_, handler) = Fixture.stream(window)
        later { Fixture.appendPart(window, "video", 2, 0) }
        let response = try #require(await handler.get("/live/cam1/video/\(e)/2.0.m4s"))
        #expect(response.status == 200)
        #expect(response.body == Fixture.payload("video", 2, 0))
    }

    @Test func openSegmentWaitsUntilComplete() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later {
            Fixture.appendPart(window, "video", 2, 1)
            Fixture.appendPart(window, "video", 2, 2)
            window.closeSegment(track: "video")
        }
        let response = try #require(await handler.get("/live/cam1/video/\(e)/2.m4s"))
        #expect(response.status == 200)
        var joined = ByteBuffer()
        for part in 0..<3 {
            var bytes = Fixture.payload("video", 2, part)
            joined.writeBuffer(&bytes)
        }
        #expect(response.body == joined)
    }

    @Test func hintedPartOfAnEndingStreamIsNotFound() async throws {
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later { window.end() }
        let response = try #require(await handler.get("/live/cam1/video/\(e)/2.1.m4s"))
        #expect(response.status == 404)
    }

    @Test func hintedPartCutShortIsNotFound() async throws {
        // The segment was cut before the hinted part: that part will never exist.
        let window = live(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later { Fixture.appendPart(window, "video", 3, 0) }
        let response = try #require(await handler.get("/live/cam1/video/\(e)/2.1.m4s"))
        #expect(response.status == 404)
    }

    @Test func hintedPartTimesOut() async throws {
        let (_, handler) = Fixture.stream(live(targetDuration: 1))
        let response = try #require(await handler.get("/live/cam1/video/\(e)/2.1.m4s"))
        #expect(response.status == 503)
    }

    // MARK: A stream that has not produced its first part

    @Test func playlistsWaitForTheFirstPart() async throws {
        let window = Fixture.window(targetDuration: 10)
        let (_, handler) = Fixture.stream(window)
        later {
            Fixture.appendPart(window, "video", 0, 0)
            Fixture.appendPart(window, "audio", 0, 0)
        }
        async let index = handler.get("/live/cam1/index.m3u8")
        async let media = handler.get("/live/cam1/audio.m3u8")
        let (indexResponse, mediaResponse) = await (index, media)
        #expect(indexResponse?.status == 200)
        #expect(indexResponse?.text.contains("#EXT-X-MEDIA:TYPE=AUDIO") == true)
        #expect(mediaResponse?.status == 200)
        #expect(mediaResponse?.text.contains("audio/\(e)/0.0.m4s") == true)
    }

    @Test func firstPartNeverComes() async throws {
        let (_, handler) = Fixture.stream(Fixture.window(targetDuration: 1))
        #expect(await handler.get("/live/cam1/index.m3u8")?.status == 503)
        #expect(await handler.get("/live/cam1/video.m3u8")?.status == 503)
    }

    @Test func streamEndedWithoutMediaIsNotFound() async throws {
        let window = Fixture.window(targetDuration: 10)
        window.end()
        let (_, handler) = Fixture.stream(window)
        #expect(await handler.get("/live/cam1/index.m3u8")?.status == 404)
        #expect(await handler.get("/live/cam1/video.m3u8")?.status == 404)
    }

    @Test func multivariantDoesNotWaitForAnAbsentTrackOnceASegmentIsComplete() async throws {
        let window = Fixture.window(targetDuration: 10)
        Fixture.fill(window, "video", segments: 0..<1)
        let (_, handler) = Fixture.stream(window)
        let response = try #require(await handler.get("/live/cam1/index.m3u8"))
        #expect(response.status == 200)
        #expect(!response.text.contains("AUDIO"))
    }
}

/// The decision rules themselves, as tables.
@Suite struct BlockingReloadRuleTests {
    func track(_ window: SegmentWindow) throws -> TrackWindow {
        try #require(window.snapshot().track(named: "video"))
    }

    @Test func satisfaction() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<2, openParts: 2)  // last part: 2.1
        let video = try track(window)
        let table: [(Int64, Int?, Bool)] = [
            (0, nil, true), (1, nil, true), (2, nil, false), (3, nil, false),
            (1, 0, true), (1, 2, true), (1, 7, true), (2, 0, true), (2, 1, true), (2, 2, false), (3, 0, false),
        ]
        for (msn, part, expected) in table {
            #expect(BlockingReload.isSatisfied(DeliveryDirectives(msn: msn, part: part), track: video) == expected, "\(msn).\(part ?? -1)")
        }
    }

    @Test func partPastACompleteSegment() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<2)
        #expect(try !BlockingReload.isSatisfied(DeliveryDirectives(msn: 1, part: 3), track: track(window)))
        Fixture.appendPart(window, "video", 2, 0)
        #expect(try BlockingReload.isSatisfied(DeliveryDirectives(msn: 1, part: 3), track: track(window)))
        #expect(try BlockingReload.isSatisfied(DeliveryDirectives(msn: 2, part: 0), track: track(window)))
    }

    @Test func advancePartLimit() throws {
        // 200 ms parts: three seconds are 15 parts. The last part is 2.0.
        let window = Fixture.window([.video], maxParts: 64)
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        let snapshot = window.snapshot()
        let video = try track(window)
        let table: [(Int64, Int, Bool)] = [
            (2, 15, false), (2, 16, true), (3, 14, false), (3, 15, true), (4, 13, false), (4, 14, true), (1, 60, false),
            (2, 64, true), (2, 65, true),
        ]
        for (msn, part, refused) in table {
            let refusal = BlockingReload.refusal(DeliveryDirectives(msn: msn, part: part), track: video, snapshot: snapshot)
            #expect((refusal != nil) == refused, "\(msn).\(part): \(refusal ?? "accepted")")
        }
        #expect(BlockingReload.refusal(DeliveryDirectives(msn: 4), track: video, snapshot: snapshot) == nil)
        #expect(BlockingReload.refusal(DeliveryDirectives(msn: 5), track: video, snapshot: snapshot) != nil)
    }
}
