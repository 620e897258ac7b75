import Foundation
import Testing
import WeirCore
import WeirTestSupport
@testable import SRT

/// Real publishers against a real server, their media observed on the bus.
@Suite struct PublishTests {
    /// Waits for the publication of `path` to end and checks what reached its bus.
    static func expectPublished(_ router: TestRouter, _ path: String, frames: ClosedRange<Int> = 85...92) async throws {
        let recorder = try #require(router.recorder(path), "nothing published on \(path)")
        #expect(await eventually { recorder.ended }, "\(path) did not end")
        #expect(router.endCount(path) == 1, "\(path) ended \(router.endCount(path)) times")
        let stream = RecordedStream(recorder.events)
        #expect(stream.problems(frames: frames) == [], "\(path)")
    }

    @Test(.enabled(if: Publishers.haveFFmpeg), .timeLimit(.minutes(2)))
    func twoFFmpegPublishersAtOnceWithBothStreamIDForms() async throws {
        let router = TestRouter()
        try await withServer(router: router) { server, port in
            // With `linger`, ffmpeg's close waits for what libx264 flushes at the end (see below).
            async let first = Publishers.ffmpegSRT(port: port, streamID: "publish:live/a", query: "&linger=2")
            async let second = Publishers.ffmpegSRT(port: port, streamID: "#!::r=live/b,m=publish,u=someone", query: "&linger=2")
            // Both are connected at once, with libsrt's statistics sampled for each.
            let sampled = await eventually(timeout: .seconds(20)) {
                let sessions = server.sessions
                return Set(sessions.map(\.path.description)) == ["live/a", "live/b"]
                    && sessions.allSatisfy { $0.statistics.packetsReceived > 0 && $0.counters.media.videoPackets > 0 }
            }
            #expect(sampled, "\(server.sessions.map { "\($0.path) \($0.statistics)" })")
            if let session = server.sessions.first {
                #expect(session.remoteAddress.hasPrefix("127.0.0.1:"))
                #expect(session.statistics.latencyMilliseconds >= 120)
                #expect(session.routeName == "live")
            }
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.status) == [0, 0], "\(outcomes.map(\.standardError))")

            try await Self.expectPublished(router, "live/a")
            try await Self.expectPublished(router, "live/b")
            #expect(await eventually { server.sessions.isEmpty })
            let requests = router.requests
            #expect(requests.map(\.ingest) == ["srt", "srt"])
            #expect(requests.first { $0.path.key == "b" }?.query == ["u": "someone"])
        }
    }

    @Test(.enabled(if: Publishers.haveSRTLiveTransmit), .timeLimit(.minutes(2)))
    func srtLiveTransmitRelaysFFmpeg() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let source = Publishers.testSource.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            // srt-live-transmit does not exit at the end of its input: `-t` stops it, and as it
            // sometimes misses its own timer, `timeout` kills it later. Either way the stream ends.
            let pipeline = "\(Publishers.ffmpeg) -nostdin -hide_banner -loglevel error \(source) -f mpegts - | "
                + "timeout -s KILL 12 \(Publishers.srtLiveTransmit) -q -t:7 file://con "
                + "'srt://127.0.0.1:\(port)?streamid=#!::m=publish,r=live/slt'"
            let outcome = try await runProcess("/bin/sh", ["-c", pipeline], timeout: .seconds(30))
            #expect(outcome.status != nil, "\(outcome.standardError)")
            try await Self.expectPublished(router, "live/slt")
        }
    }

    @Test(.enabled(if: Publishers.haveGStreamer), .timeLimit(.minutes(2)))
    func gstreamerSRTSinkWithTheStreamIDProperty() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let outcome = try await runProcess(Publishers.gstLaunch, [
                "-q", "-e",
                "videotestsrc", "is-live=true", "num-buffers=90", "!", "video/x-raw,width=320,height=240,framerate=30/1", "!",
                "x264enc", "key-int-max=30", "tune=zerolatency", "!", "h264parse", "!", "queue", "!",
                "mpegtsmux", "name=mux", "alignment=7", "!",
                "srtsink", "uri=srt://127.0.0.1:\(port)", "streamid=#!::r=live/gst,m=publish",
                "audiotestsrc", "is-live=true", "num-buffers=130", "!", "audioconvert", "!", "avenc_aac", "!", "aacparse", "!",
                "queue", "!", "mux.",
            ], timeout: .seconds(30))
            #expect(outcome.status == 0, "\(outcome.standardError)")
            // srtsink has no linger: at end of stream it closes with whatever libsrt has not sent
            // yet, more of it when the machine is busy. What arrives must be intact.
            try await Self.expectPublished(router, "live/gst", frames: 50...92)
        }
    }

    @Test(.enabled(if: Publishers.haveFFmpeg), .timeLimit(.minutes(2)))
    func encryptedRouteTakesTheRightPassphrase() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let outcome = try await Publishers.ffmpegSRT(port: port, streamID: "publish:secure/cam", query: "&passphrase=0123456789&pbkeylen=32")
            #expect(outcome.status == 0, "\(outcome.standardError)")
            // Without `linger`, ffmpeg closes the connection right after libx264 flushes its
            // look-ahead (about 1.2 s of frames at once) and libsrt discards what it has not sent:
            // srt-live-transmit as the receiver gets the same ~52 frames. The rest must be intact.
            try await Self.expectPublished(router, "secure/cam", frames: 40...92)
        }
    }

    @Test(.enabled(if: Publishers.haveFFmpeg), .timeLimit(.minutes(2)))
    func refusedAndGarbledCallersDoNotDisturbAHealthyStream() async throws {
        let router = TestRouter()
        try await withServer(router: router) { server, port in
            async let healthy = Publishers.ffmpegSRT(port: port, streamID: "publish:live/healthy", query: "&linger=2")
            #expect(await eventually { server.sessions.contains { $0.path.description == "live/healthy" } })
            #expect(RefusalTests.rejection(port: port, "publish:secure/x", passphrase: "not-the-passphrase") == .badSecret)
            #expect(RefusalTests.rejection(port: port, "publish:nowhere/x") == RejectCode(value: 1404))
            // A publisher of garbage: random bytes, then TS packets with broken continuity.
            let garbage = try TestCaller.connect(port: port, streamID: "publish:live/garbage").get()
            var generator = SplitMix64(seed: 7)
            for index in 0..<300 {
                var message = generator.bytes(1316)
                if index.isMultiple(of: 2) {
                    for packet in 0..<7 { message[packet * 188] = 0x47 }
                }
                _ = garbage.send(message)
            }
            #expect(await eventually {
                server.sessions.first { $0.path.description == "live/garbage" }.map { $0.counters.media.errors > 0 } == true
            })
            #expect(garbage.isConnected)
            garbage.close()

            let outcome = try await healthy
            #expect(outcome.status == 0, "\(outcome.standardError)")
            try await Self.expectPublished(router, "live/healthy")
            #expect(await eventually { router.endCount("live/garbage") == 1 })
            let junk = RecordedStream(router.recorder("live/garbage")?.events ?? [])
            #expect(junk.video.isEmpty && junk.audio.isEmpty)
        }
    }
}
