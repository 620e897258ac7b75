@testable import HLS
import Testing
import WeirCore

@Suite struct MultivariantPlaylistTests {
    // 5 000 bytes per 200 ms part is 200 kbit/s of video; 500 bytes is 20 kbit/s of audio.

    @Test func videoWithAudioGroup() throws {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<2, openParts: 1)
        #expect(Fixture.lines(PlaylistRenderer.multivariant(window.snapshot())) == [
            "#EXTM3U",
            "#EXT-X-VERSION:9",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio.m3u8\"",
            "#EXT-X-STREAM-INF:BANDWIDTH=220000,AVERAGE-BANDWIDTH=220000,CODECS=\"avc1.64001f,mp4a.40.2\","
                + "RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"audio\"",
            "video.m3u8",
            "",
        ])
    }

    @Test func bandwidthIsThePeakAndAverageIsTheMean() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<1)
        // Segment 1 has twice the bytes: 400 kbit/s peak, 300 kbit/s on average.
        for part in 0..<3 { Fixture.appendPart(window, "video", 1, part, size: 10_000) }
        window.closeSegment(track: "video")
        let lines = Fixture.lines(PlaylistRenderer.multivariant(window.snapshot()))
        #expect(lines.contains(
            "#EXT-X-STREAM-INF:BANDWIDTH=400000,AVERAGE-BANDWIDTH=300000,CODECS=\"avc1.64001f\",RESOLUTION=1280x720,FRAME-RATE=30.000"))
    }

    @Test func bandwidthIsEstimatedFromPartsBeforeTheFirstSegment() throws {
        let window = Fixture.window()
        Fixture.appendPart(window, "video", 0, 0)
        Fixture.appendPart(window, "audio", 0, 0)
        let lines = Fixture.lines(PlaylistRenderer.multivariant(window.snapshot()))
        #expect(lines.contains { $0.hasPrefix("#EXT-X-STREAM-INF:BANDWIDTH=220000,AVERAGE-BANDWIDTH=220000,") })
    }

    @Test func audioOnly() throws {
        let window = Fixture.window([.audio])
        Fixture.fill(window, "audio", segments: 0..<1, openParts: 1)
        #expect(Fixture.lines(PlaylistRenderer.multivariant(window.snapshot())) == [
            "#EXTM3U",
            "#EXT-X-VERSION:9",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-STREAM-INF:BANDWIDTH=20000,AVERAGE-BANDWIDTH=20000,CODECS=\"mp4a.40.2\"",
            "audio.m3u8",
            "",
        ])
    }

    @Test func videoOnly() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<1)
        #expect(Fixture.lines(PlaylistRenderer.multivariant(window.snapshot())) == [
            "#EXTM3U",
            "#EXT-X-VERSION:9",
            "#EXT-X-INDEPENDENT-SEGMENTS",
            "#EXT-X-STREAM-INF:BANDWIDTH=200000,AVERAGE-BANDWIDTH=200000,CODECS=\"avc1.64001f\",RESOLUTION=1280x720,FRAME-RATE=30.000",
            "video.m3u8",
            "",
        ])
    }

    @Test func tracksWithoutMediaAreLeftOut() throws {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<1)
        let lines = Fixture.lines(PlaylistRenderer.multivariant(window.snapshot()))
        #expect(!lines.contains { $0.hasPrefix("#EXT-X-MEDIA") || $0.contains("AUDIO=") })
        #expect(PlaylistRenderer.multivariant(Fixture.window().snapshot()) == nil)
    }

    @Test func fractionalFrameRateAndNewFormat() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<1)
        window.addInit(track: "video", format: Fixture.video2, data: .init(string: "init 1"))
        Fixture.fill(window, "video", segments: 1..<2, discontinuityAt: [1])
        let lines = Fixture.lines(PlaylistRenderer.multivariant(window.snapshot()))
        #expect(lines.contains { $0.contains("CODECS=\"avc1.640028\",RESOLUTION=1920x1080,FRAME-RATE=29.970") })
    }
}
