@testable import HLS
import NIOCore
import Testing
import WeirCore

@Suite struct HLSHandlerTests {
    let e = Fixture.epoch

    func liveWindow() -> SegmentWindow {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<2, openParts: 1)
        return window
    }

    @Test func playlistsWithHeaders() async throws {
        let window = liveWindow()
        let (_, handler) = Fixture.stream(window)
        let index = try #require(await handler.get("/live/cam1/index.m3u8"))
        #expect(index.status == 200)
        #expect(index.header("Content-Type") == "application/vnd.apple.mpegurl")
        #expect(index.header("Cache-Control") == "public, max-age=1")
        #expect(index.header("Access-Control-Allow-Origin") == "*")
        #expect(index.header("Access-Control-Expose-Headers") == "Content-Length, Content-Type")
        #expect(index.text == PlaylistRenderer.multivariant(window.snapshot()))

        let media = try #require(await handler.get("/live/cam1/video.m3u8"))
        #expect(media.status == 200)
        #expect(media.header("Content-Type") == "application/vnd.apple.mpegurl")
        #expect(media.header("Cache-Control") == "public, max-age=1")
        #expect(media.header("Access-Control-Allow-Origin") == "*")
        #expect(media.text == PlaylistRenderer.media(window.snapshot(), track: "video"))
    }

    @Test func mediaFilesWithHeaders() async throws {
        let (_, handler) = Fixture.stream(liveWindow())
        let initSegment = try #require(await handler.get("/live/cam1/video/\(e)/init-0.mp4"))
        #expect(initSegment.status == 200)
        #expect(initSegment.text == "init video")
        #expect(initSegment.header("Content-Type") == "video/mp4")
        #expect(initSegment.header("Cache-Control") == "public, max-age=31536000, immutable")
        #expect(initSegment.header("Access-Control-Allow-Origin") == "*")

        let part = try #require(await handler.get("/live/cam1/audio/\(e)/1.2.m4s"))
        #expect(part.status == 200)
        #expect(part.body == Fixture.payload("audio", 1, 2))
        #expect(part.header("Content-Type") == "audio/mp4")
        #expect(part.header("Cache-Control") == "public, max-age=31536000, immutable")

        let segment = try #require(await handler.get("/live/cam1/video/\(e)/1.m4s"))
        #expect(segment.status == 200)
        #expect(segment.header("Content-Type") == "video/mp4")
        #expect(segment.header("Cache-Control") == "public, max-age=31536000, immutable")
    }

    @Test func segmentIsItsPartsJoined() async throws {
        let (_, handler) = Fixture.stream(liveWindow())
        for track in ["video", "audio"] {
            let segment = try #require(await handler.get("/live/cam1/\(track)/\(e)/1.m4s"))
            var joined = ByteBuffer()
            for index in 0..<3 {
                var part = try #require(await handler.get("/live/cam1/\(track)/\(e)/1.\(index).m4s")).body
                #expect(part == Fixture.payload(track, 1, index))
                joined.writeBuffer(&part)
            }
            #expect(segment.body == joined)
            #expect(segment.body.readableBytes == 3 * (track == "video" ? Fixture.videoPartBytes : Fixture.audioPartBytes))
        }
    }

    @Test func headIsAnsweredLikeGet() async throws {
        let (_, handler) = Fixture.stream(liveWindow())
        for target in ["/live/cam1/index.m3u8", "/live/cam1/video.m3u8", "/live/cam1/video/\(e)/0.m4s", "/live/cam1/nope.m3u8"] {
            let get = try #require(await handler.get(target))
            let head = try #require(await handler.get(target, method: "HEAD"))
            #expect(head.status == get.status)
            #expect(head.headers.map(\.0) == get.headers.map(\.0))
            #expect(head.headers.map(\.1) == get.headers.map(\.1))
            // The server drops the body of a HEAD response and keeps its Content-Length.
            #expect(head.body == get.body)
        }
    }

    @Test(arguments: [
        "/live/other/index.m3u8",
        "/live/other/video.m3u8",
        "/live/cam1/subtitles.m3u8",
        "/live/cam1/subtitles/lk3x9q2a/0.m4s",
        "/live/cam1/video/zzzzzzzz/0.m4s",
        "/live/cam1/video/zzzzzzzz/0.0.m4s",
        "/live/cam1/video/zzzzzzzz/init-0.mp4",
        "/live/cam1/video/lk3x9q2a/init-1.mp4",
        "/live/cam1/video/lk3x9q2a/9.m4s",
        "/live/cam1/video/lk3x9q2a/2.7.m4s",
        "/live/cam1/video/lk3x9q2a/0.3.m4s",
        "/live/cam1/video/lk3x9q2a/0.99.m4s",
        "/live/cam1/../cam1/index.m3u8",
        "/live/cam1/%2e%2e/%2e%2e/etc/passwd.mp4",
        "/live/cam1/video/lk3x9q2a/..%2f..%2f0.m4s",
        "/live/cam1/video/lk3x9q2a/../../index.m3u8",
        "/live/cam1//video.m3u8",
    ])
    func notFound(target: String) async throws {
        let (_, handler) = Fixture.stream(liveWindow())
        let response = try #require(await handler.get(target))
        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("Access-Control-Allow-Origin") == "*")
    }

    @Test func otherPathsAndMethodsAreLeftToTheServer() async {
        let (_, handler) = Fixture.stream(liveWindow())
        #expect(await handler.get("/healthz") == nil)
        #expect(await handler.get("/live/cam1/manifest.mpd") == nil)
        #expect(await handler.get("/live/cam1/index.m3u8", method: "POST") == nil)
        #expect(await handler.get("/live/cam1/index.m3u8", method: "OPTIONS") == nil)
    }

    @Test func evictedSegmentsAreGone() async throws {
        let window = Fixture.window([.video], windowSize: 3)
        Fixture.fill(window, "video", segments: 0..<10)
        let (_, handler) = Fixture.stream(window)
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/2.m4s")).status == 404)
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/2.0.m4s")).status == 404)
        // Kept for late readers although no longer listed.
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/3.m4s")).status == 200)
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/3.1.m4s")).status == 200)
    }

    @Test func endedStreamStaysServed() async throws {
        let window = liveWindow()
        window.end()
        let (_, handler) = Fixture.stream(window)
        let media = try #require(await handler.get("/live/cam1/video.m3u8"))
        #expect(media.status == 200)
        #expect(media.header("Cache-Control") == "public, max-age=1")
        #expect(media.text.hasSuffix("#EXT-X-ENDLIST\n"))
        #expect(try #require(await handler.get("/live/cam1/index.m3u8")).status == 200)
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/2.m4s")).status == 200)
        // Nothing more will come: no waiting.
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/3.0.m4s")).status == 404)
        #expect(try #require(await handler.get("/live/cam1/video/\(e)/2.1.m4s")).status == 404)
    }

    @Test func oneRenderingPerVersion() async throws {
        let window = liveWindow()
        let (_, handler) = Fixture.stream(window)
        let first = try #require(await handler.get("/live/cam1/video.m3u8"))
        let second = try #require(await handler.get("/live/cam1/video.m3u8"))
        #expect(first.body == second.body)
        // Same storage: the second response is the cached bytes, not a new rendering.
        #expect(first.body.withUnsafeReadableBytes { $0.baseAddress } == second.body.withUnsafeReadableBytes { $0.baseAddress })
        Fixture.appendPart(window, "video", 2, 1)
        let third = try #require(await handler.get("/live/cam1/video.m3u8"))
        #expect(third.text.contains("2.1.m4s\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/2.2.m4s\""))
    }
}
