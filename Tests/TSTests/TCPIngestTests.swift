import NIOCore
import NIOPosix
import Testing
import TS
import WeirCore
import WeirTestSupport

/// TCP listeners: ffmpeg's tcp:// output, one publisher at a time, server-side disconnects.
@Suite struct TCPIngestTests {
    @Test(.enabled(if: FFmpeg.available))
    func ffmpegOverTCPPublishesAndClosingFinishesTheStream() async throws {
        let router = TestRouter()
        // ffmpeg connects before its encoders are ready: the idle timeout must cover that.
        let route = try studioRoute(listen: ["tcp://127.0.0.1:0"], stream: "studio/cam1", idleTimeout: .seconds(5))
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "tcp://127.0.0.1:0"))
            let status = try await FFmpeg.run(FFmpeg.encoder(seconds: 3, realtime: true) + ["tcp://127.0.0.1:\(port)"])
            #expect(status == 0)
            let recorder = try #require(router.recorder("studio/cam1"))
            #expect(await eventually { recorder.ended })
            #expect(router.endings == [TestRouter.Ending(path: "studio/cam1", clean: true)])
            expectTestPattern(RecordedStream(recorder.events), videoFrames: 90...90)
            #expect(ingest.statistics.counters.media.errors == 0)
            #expect(ingest.statistics.idleTimeouts == 0)
        }
    }

    @Test(.enabled(if: FFmpeg.available))
    func aSecondTCPSourceIsRefusedWhileOneIsLive() async throws {
        let router = TestRouter()
        let route = try studioRoute(listen: ["tcp://127.0.0.1:0"], stream: "studio/cam1", idleTimeout: .seconds(5))
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "tcp://127.0.0.1:0"))
            let first = try FFmpeg.start(FFmpeg.encoder(seconds: 5, realtime: true) + ["tcp://127.0.0.1:\(port)"])
            #expect(await eventually { router.requests.count == 1 })

            // Paced, so it is still writing when the refusal (a closed connection) reaches it.
            let second = try await FFmpeg.run(FFmpeg.encoder(seconds: 2, realtime: true) + ["tcp://127.0.0.1:\(port)"])
            #expect(second != 0, "the second publisher should fail")
            #expect(ingest.statistics.refused == 1)

            #expect(await first.wait().status == 0)
            let recorder = try #require(router.recorder("studio/cam1"))
            #expect(await eventually { recorder.ended })
            #expect(router.requests.count == 1)
            expectTestPattern(RecordedStream(recorder.events), videoFrames: 150...150)
        }
    }

    @Test func theServerEndingThePublishClosesTheConnection() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 2)
        let router = TestRouter()
        let route = try studioRoute(listen: ["tcp://127.0.0.1:0"], stream: "studio/cam1", idleTimeout: .seconds(30))
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "tcp://127.0.0.1:0"))
            let client = try await RawClient.connect(port: port)
            try await client.writeAndFlush(ByteBuffer(bytes: bytes.prefix(bytes.count / 2))).get()
            #expect(await eventually { router.recorder("studio/cam1") != nil })
            let stream = try #require(router.stream("studio/cam1"))
            stream.stop(reason: "route removed")
            try await client.closeFuture.get()
            #expect(ingest.statistics.sessionsActive == 0)
            // A publish the server ended is not finished again by the session.
            #expect(router.endings.isEmpty)
            #expect(await eventually { ingest.listeners.first?.publishing == false })
        }
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        let router = TestRouter()
        let route = try studioRoute(listen: ["tcp://127.0.0.1:0"], stream: "studio/cam1", idleTimeout: .seconds(1))
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "tcp://127.0.0.1:0"))
            let client = try await RawClient.connect(port: port)
            // The client never closes: only the server's idle timeout (or the backstop that keeps
            // the test bounded) can complete this. Whether
            // the open slot is observed in between depends on how busy the machine is, so it is
            // not asserted.
            let backstop = client.eventLoop.scheduleTask(in: .seconds(30)) { client.close(promise: nil) }
            try await client.closeFuture.get()
            backstop.cancel()
            let closedByBackstop = (try? await backstop.futureResult.get()) != nil
            #expect(!closedByBackstop)
            // Never sent a byte: no publish was asked for, and the slot is freed.
            #expect(router.requests.isEmpty)
            #expect(await eventually { ingest.listeners.first?.publishing == false })
        }
    }
}
