import Foundation
import Testing
import WeirCore
import WeirTestSupport
@testable import RTMP

/// GStreamer's own RTMP stack (`rtmp2sink`) and librtmp (`rtmpsink`, the family OBS uses).
@Suite struct GStreamerPublishTests {
    static let gstLaunch = "/usr/bin/gst-launch-1.0"

    /// - Parameters:
    ///   - sink: the sink element, with `URL` standing for the RTMP URL.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: gstLaunch)), arguments: [
        "rtmp2sink location=URL",
        "rtmpsink location=\"URL live=1\"",
    ])
    func gstreamerPublishesH264AndAAC(sink: String) async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let key = sink.hasPrefix("rtmp2sink") ? "gst2" : "librtmp"
            let element = sink.replacingOccurrences(of: "URL", with: "rtmp://127.0.0.1:\(port)/live/\(key)")
            let pipeline = """
                videotestsrc is-live=true num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 \
                ! x264enc key-int-max=30 bframes=2 ! h264parse ! flvmux name=mux streamable=true ! \(element) \
                audiotestsrc is-live=true num-buffers=80 ! audio/x-raw,rate=44100,channels=2 ! audioconvert \
                ! avenc_aac ! aacparse ! mux.
                """
            let status = try await runProcess("/bin/sh", ["-c", "\(Self.gstLaunch) -q -e \(pipeline)"]).status
            #expect(status == 0)

            let recorder = try #require(router.recorder("live/\(key)"))
            #expect(await eventually { recorder.ended })
            #expect(router.endCount("live/\(key)") == 1)
            let stream = RecordedStream(recorder.events)
            #expect(stream.packetsBeforeFormat == 0)
            #expect(stream.formats[TestRouter.videoTrack]?.width == 320)
            #expect(stream.formats[TestRouter.audioTrack]?.codec == .aac)
            #expect((55...60).contains(stream.video.count), "\(stream.video.count) video packets")
            #expect(stream.videoDTSIsMonotonic)
            #expect(stream.video.first?.isKeyframe == true)
            #expect(stream.audio.count > 20)
            #expect(stream.audioStepsAreOneFrame)
        }
    }
}
