@testable import HLS
import Testing
import WeirCore

@Suite struct HLSResourceTests {
    let stream = try! StreamPath("live/cam1")

    @Test(arguments: [
        ("/live/cam1/index.m3u8", HLSResource.Kind.multivariant),
        ("/live/cam1/video.m3u8", .mediaPlaylist(track: "video")),
        ("/live/cam1/video_720p.m3u8", .mediaPlaylist(track: "video_720p")),
        ("/live/cam1/video/lk3x9q2a/init-0.mp4", .initSegment(track: "video", epoch: "lk3x9q2a", number: 0)),
        ("/live/cam1/audio/lk3x9q2a/init-12.mp4", .initSegment(track: "audio", epoch: "lk3x9q2a", number: 12)),
        ("/live/cam1/video/lk3x9q2a/0.m4s", .segment(track: "video", epoch: "lk3x9q2a", sequence: 0)),
        ("/live/cam1/video/lk3x9q2a/120.m4s", .segment(track: "video", epoch: "lk3x9q2a", sequence: 120)),
        ("/live/cam1/video/lk3x9q2a/12.3.m4s", .part(track: "video", epoch: "lk3x9q2a", sequence: 12, part: 3)),
        ("/live/cam1/video/lk3x9q2a/12.0.m4s", .part(track: "video", epoch: "lk3x9q2a", sequence: 12, part: 0)),
    ])
    func parses(path: String, kind: HLSResource.Kind) {
        #expect(HLSResource.parse(path) == .resource(HLSResource(stream: stream, kind: kind)))
    }

    @Test(arguments: [
        "/live/../index.m3u8",
        "/live/cam1/../index.m3u8",
        "/live/cam1/../../etc/passwd.mp4",
        "/../live/cam1/index.m3u8",
        "/live//cam1/index.m3u8",
        "//live/cam1/index.m3u8",
        "/live/cam1//index.m3u8",
        "/live/cam1/%2e%2e/index.m3u8",
        "/live/cam1/%2E%2E%2Findex.m3u8",
        "/live/%63am1/index.m3u8",
        "/live/cam1/video%2E.m3u8",
        "/live\\cam1\\index.m3u8",
        "/live/cam1/video\\..\\index.m3u8",
        "/live/cam1/.m3u8",
        "/live/cam1/.hidden.m3u8",
        "/live/cam1/.video/lk3x9q2a/0.m4s",
        "/live/cam1/video/../lk3x9q2a/0.m4s",
        "/live/cam1/video/lk3x9q2a/../0.m4s",
        "/live/cam1/video/./lk3x9q2a/0.m4s",
        "/live/cam1/vidéo.m3u8",
        "/live/cam 1/index.m3u8",
        "live/cam1/index.m3u8",
        "/live/cam1/index.m3u8/x.m3u8",
        "/live/index.m3u8",
        "/index.m3u8",
        "/a/b/c/d/e/f.m4s",
        "/live/cam1/video/lk3x9q2a/01.m4s",
        "/live/cam1/video/lk3x9q2a/1.01.m4s",
        "/live/cam1/video/lk3x9q2a/-1.m4s",
        "/live/cam1/video/lk3x9q2a/+1.m4s",
        "/live/cam1/video/lk3x9q2a/1.2.3.m4s",
        "/live/cam1/video/lk3x9q2a/1..m4s",
        "/live/cam1/video/lk3x9q2a/.m4s",
        "/live/cam1/video/lk3x9q2a/a.m4s",
        "/live/cam1/video/lk3x9q2a/99999999999999999999.m4s",
        "/live/cam1/video/lk3x9q2a/init-.mp4",
        "/live/cam1/video/lk3x9q2a/init-x.mp4",
        "/live/cam1/video/lk3x9q2a/init-00.mp4",
        "/live/cam1/video/lk3x9q2a/init.mp4",
        "/live/cam1/video/lk3x9q2a/0.mp4",
        "/live/cam1/video/lk3x9q2a/0.m3u8",
        "/live/cam1/video/lk3x9q2a/index.m3u8",
        "/live/cam1/video/lk3x9q2a.m4s",
    ])
    func refuses(path: String) {
        #expect(HLSResource.parse(path) == .invalid)
    }

    @Test(arguments: ["/", "/healthz", "/api/v1/streams", "/live/cam1/manifest.mpd", "/live/cam1/index.m3u8/", "/live/cam1/video.m3u"])
    func leavesOtherPathsAlone(path: String) {
        #expect(HLSResource.parse(path) == .notHLS)
    }

    @Test func longPathsAreRefused() {
        let long = "/live/" + String(repeating: "a", count: 2_000) + "/index.m3u8"
        #expect(HLSResource.parse(long) == .invalid)
    }
}
