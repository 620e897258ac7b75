import Foundation
import NIOCore
import NIOPosix
import Testing
import TS
import WeirCore
import WeirTestSupport

/// UDP listeners: ffmpeg's unicast and multicast output, sender locking, idle end.
@Suite struct UDPIngestTests {
    @Test(.enabled(if: FFmpeg.available))
    func ffmpegUnicastPublishesAndTheIdleTimeoutEndsTheStream() async throws {
        let router = TestRouter()
        let requested = 2 * 1024 * 1024
        let route = try studioRoute(listen: ["udp://127.0.0.1:0"], stream: "studio/cam1", receiveBuffer: requested)
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "udp://127.0.0.1:0"))
            // Linux gives at least the request up to rmem_max (and reports it doubled).
            let granted = try #require(ingest.listeners.first?.receiveBuffer)
            #expect(granted >= min(requested, receiveBufferLimit))

            let status = try await FFmpeg.run(FFmpeg.encoder(seconds: 3, realtime: true) + ["udp://127.0.0.1:\(port)?pkt_size=1316"])
            #expect(status == 0)

            let recorder = try #require(router.recorder("studio/cam1"))
            // UDP has no end but silence: the idle timeout ends the stream.
            #expect(await eventually { recorder.ended })
            #expect(router.endings == [TestRouter.Ending(path: "studio/cam1", clean: true)])
            #expect(router.requests.first?.ingest == "ts")
            expectTestPattern(RecordedStream(recorder.events), videoFrames: 88...90)

            let statistics = ingest.statistics
            #expect(statistics.sessionsOpened == 1 && statistics.sessionsActive == 0)
            #expect(statistics.idleTimeouts == 1)
            #expect(statistics.counters.datagrams > 100)
            #expect(statistics.counters.media.errors == 0)
            #expect(statistics.counters.bytesIn == UInt64(statistics.counters.media.tsPackets * 188))
            #expect(ingest.listeners.first?.publishing == false)
        }
    }

    @Test func aBurstFromOneSenderIsKeptAndASecondSenderIsIgnored() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 3)
        let router = TestRouter()
        let route = try studioRoute(listen: ["udp://127.0.0.1:0"], stream: "studio/cam1", idleTimeout: .seconds(1))
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "udp://127.0.0.1:0"))
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
            let publisher = try await RawClient.udpSocket()
            let intruder = try await RawClient.udpSocket()
            // The first datagram decides who publishes.
            try await RawClient.sendDatagrams(Array(bytes.prefix(1316)), from: publisher, to: target)
            #expect(await eventually { ingest.listeners.first?.publishing == true })
            // The rest of the stream in one unpaced burst (a few hundred kilobytes, which the
            // receive buffer must hold), with another sender's garbage in between.
            async let garbage: Void = RawClient.sendDatagrams([UInt8](repeating: 0x47, count: 50 * 1316), from: intruder, to: target)
            try await RawClient.sendDatagrams(Array(bytes.dropFirst(1316)), from: publisher, to: target)
            try await garbage

            let recorder = try #require(router.recorder("studio/cam1"))
            #expect(await eventually { recorder.ended })
            expectTestPattern(RecordedStream(recorder.events), videoFrames: 90...90)
            let statistics = ingest.statistics
            #expect(statistics.ignoredDatagrams == 50)
            #expect(statistics.counters.media.errors == 0)
            #expect(statistics.counters.bytesIn == UInt64(bytes.count))
            try await publisher.close()
            try await intruder.close()
        }
    }

    @Test func aSenderComingBackAfterTheIdleTimeoutStartsANewSession() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 1)
        let router = TestRouter()
        let route = try studioRoute(listen: ["udp://127.0.0.1:0"], stream: "studio/cam1", idleTimeout: .seconds(1))
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "udp://127.0.0.1:0"))
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
            let sender = try await RawClient.udpSocket()
            try await RawClient.sendDatagrams(bytes, from: sender, to: target)
            #expect(await eventually { router.endings.count == 1 })
            try await RawClient.sendDatagrams(bytes, from: sender, to: target)
            #expect(await eventually { router.endings.count == 2 })
            let recorders = router.recorders("studio/cam1")
            #expect(recorders.count == 2)
            for recorder in recorders {
                #expect(await eventually { recorder.ended })
                #expect(RecordedStream(recorder.events).video.count == 30)
            }
            #expect(ingest.statistics.idleTimeouts == 2)
            try await sender.close()
        }
    }

    @Test func aRefusedSourceIsRetriedOnlyOnceASecond() async throws {
        let bytes = try await FFmpeg.makeTS(seconds: 1)
        let router = TestRouter()
        // The route's pattern takes the stream, but the router refuses the app.
        let route = try studioRoute(match: "elsewhere/*", listen: ["udp://127.0.0.1:0"], stream: "elsewhere/cam1")
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: "udp://127.0.0.1:0"))
            let sender = try await RawClient.udpSocket()
            try await RawClient.sendDatagrams(bytes, from: sender, to: try SocketAddress(ipAddress: "127.0.0.1", port: port))
            #expect(await eventually { ingest.statistics.ignoredDatagrams == (bytes.count + 1315) / 1316 })
            #expect(router.refusals == [.noRoute("elsewhere/cam1")])
            #expect(ingest.statistics.refused == 1)
            try await sender.close()
        }
    }

    static let multicastGroup = "239.255.71.13"

    /// Whether this host delivers its own multicast back to itself (it needs an interface with
    /// a multicast route; loopback alone has none).
    static let multicastLoopbackWorks = MulticastProbe.run(group: multicastGroup)

    @Test(.enabled(if: FFmpeg.available && multicastLoopbackWorks))
    func ffmpegMulticastIsReceivedByJoiningTheGroup() async throws {
        let router = TestRouter()
        let url = "udp://\(Self.multicastGroup):0"
        let route = try studioRoute(listen: [url], stream: "studio/mcast")
        try await withIngest(router: router, routes: [route]) { ingest in
            let port = try #require(ingest.localPort(for: url))
            let status = try await FFmpeg.run(
                FFmpeg.encoder(seconds: 2, realtime: true) + ["udp://\(Self.multicastGroup):\(port)?pkt_size=1316&ttl=1"])
            #expect(status == 0)
            let recorder = try #require(router.recorder("studio/mcast"))
            #expect(await eventually { recorder.ended })
            let stream = RecordedStream(recorder.events)
            #expect((58...60).contains(stream.video.count), "\(stream.video.count) video packets")
            #expect(stream.videoDTSIsMonotonic)
            #expect(ingest.statistics.counters.media.errors == 0)
        }
    }
}
