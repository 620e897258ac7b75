import Foundation
import Testing
import WeirCore
import WeirTestSupport
@testable import RTMP

/// A real publisher: ffmpeg's RTMP stack against the server, its media observed on the bus.
@Suite struct FFmpegPublishTests {
    static let ffmpeg = "/usr/bin/ffmpeg"

    static func runFFmpeg(_ arguments: [String]) async throws -> Int32? {
        try await runProcess(ffmpeg, ["-nostdin", "-hide_banner", "-loglevel", "error"] + arguments).status
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: ffmpeg)))
    func ffmpegPublishesH264AndAACOntoTheBus() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let status = try await Self.runFFmpeg([
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
                "-t", "3", "-c:v", "libx264", "-g", "30", "-c:a", "aac", "-f", "flv",
                "rtmp://127.0.0.1:\(port)/live/test",
            ])
            #expect(status == 0)

            let recorder = try #require(router.recorder("live/test"))
            #expect(await eventually { recorder.ended })
            #expect(router.endCount("live/test") == 1)
            let stream = RecordedStream(recorder.events)
            #expect(stream.packetsBeforeFormat == 0)

            let videoFormat = try #require(stream.formats[TestRouter.videoTrack])
            #expect(videoFormat.codec == .h264 && videoFormat.timescale == 90_000)
            #expect(videoFormat.width == 320 && videoFormat.height == 240)
            #expect(videoFormat.codecString.hasPrefix("avc1."))
            #expect(videoFormat.frameRate.map { $0.frames == 30 * $0.seconds } == true)
            let audioFormat = try #require(stream.formats[TestRouter.audioTrack])
            #expect(audioFormat.codec == .aac && audioFormat.sampleRate == 44_100 && audioFormat.samplesPerFrame == 1024)

            let video = stream.video
            #expect((88...92).contains(video.count), "\(video.count) video packets")
            #expect(stream.videoDTSIsMonotonic)
            #expect(video.contains { $0.compositionOffset > 0 }, "no B-frame composition offsets")
            let keyframes = video.indices.filter { video[$0].isKeyframe }
            #expect(keyframes == Array(stride(from: 0, to: video.count, by: 30)))
            #expect(video.allSatisfy { $0.dts.timescale == 90_000 && $0.data.readableBytes > 4 })

            #expect(stream.audio.count > 100)
            #expect(stream.audioStepsAreOneFrame)
            #expect(stream.audio.allSatisfy { $0.dts.timescale == 44_100 && $0.isKeyframe })

            // A path no route accepts: ffmpeg is told BadName and fails.
            let refused = try await Self.runFFmpeg([
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "1", "-c:v", "libx264", "-f", "flv",
                "rtmp://127.0.0.1:\(port)/other/x",
            ])
            #expect(refused != nil && refused != 0)
            #expect(router.refusals.contains(.noRoute("other/x")))

            // No stream key: ffmpeg publishes an empty name, refused before any routing.
            let requestsBefore = router.requests.count
            let keyless = try await Self.runFFmpeg([
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "1", "-c:v", "libx264", "-f", "flv",
                "rtmp://127.0.0.1:\(port)/live",
            ])
            #expect(keyless != nil && keyless != 0)
            #expect(router.requests.count == requestsBefore)
        }
    }
}
