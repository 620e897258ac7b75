import Logging
import NIOCore
import NIOPosix
import Testing
import TS
import WeirCore
import WeirTestSupport

/// `apply(routes:)` called again, as a reload does.
@Suite struct ReloadTests {
    @Test func applyKeepsUnchangedListenersAndClosesRemovedOnes() async throws {
        let router = TestRouter()
        let tcp = "tcp://127.0.0.1:0"
        let udp = "udp://127.0.0.1:0"
        // The early connection below sends nothing: the idle timeout must outlast a reload on a
        // busy machine.
        let idle = ConfigDuration.seconds(30)
        try await withIngest(router: router, routes: [try studioRoute(listen: [tcp, udp], stream: "studio/cam1", idleTimeout: idle)]) { ingest in
            let tcpPort = try #require(ingest.localPort(for: tcp))
            let udpPort = try #require(ingest.localPort(for: udp))
            // A publisher connected across the reload keeps its connection.
            let early = try await RawClient.connect(port: tcpPort)

            // The UDP listener goes, the TCP one stays and now publishes another path.
            try await ingest.apply(routes: [try studioRoute(listen: [tcp], stream: "studio/cam2", idleTimeout: idle)])
            #expect(ingest.localPort(for: tcp) == tcpPort)
            #expect(ingest.localPort(for: udp) == nil)
            #expect(ingest.listeners.map(\.stream) == ["studio/cam2"])
            #expect(early.isActive)
            try await early.close()

            // The kept socket still accepts, and new sessions take the new path.
            let bytes = try await FFmpeg.makeTS(seconds: 1)
            let client = try await RawClient.connect(port: tcpPort)
            try await client.writeAndFlush(ByteBuffer(bytes: bytes)).get()
            try await client.close()
            let recorder = try #require(await eventually { router.recorder("studio/cam2")?.ended == true } ? router.recorder("studio/cam2") : nil)
            #expect(RecordedStream(recorder.events).video.count == 30)

            // The removed UDP port is free again: a socket without SO_REUSEADDR can take it.
            let taker = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: udpPort).get()
            try await taker.close()

            // No listener at all: the TCP port refuses connections.
            try await ingest.apply(routes: [try studioRoute()])
            #expect(ingest.listeners.isEmpty)
            await #expect(throws: (any Error).self) {
                _ = try await RawClient.connect(port: tcpPort)
            }
        }
    }

    @Test func aListenerThatCannotBindRefusesTheWholeApply() async throws {
        let router = TestRouter()
        let tcp = "tcp://127.0.0.1:0"
        // A port held by someone else.
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let heldPort = try #require(holder.localAddress?.port)
        try await withIngest(router: router, routes: [try studioRoute(listen: [tcp], stream: "studio/cam1")]) { ingest in
            let port = try #require(ingest.localPort(for: tcp))
            await #expect(throws: TSIngestError.self) {
                try await ingest.apply(routes: [
                    try studioRoute(listen: ["udp://127.0.0.1:0", "tcp://127.0.0.1:\(heldPort)"], stream: "studio/cam1")
                ])
            }
            // Nothing changed: the running listener is kept, the new UDP one was closed again.
            #expect(ingest.listeners.map(\.url) == ["tcp://127.0.0.1:0"])
            #expect(ingest.localPort(for: tcp) == port)
            let client = try await RawClient.connect(port: port)
            try await client.close()
        }
        try await holder.close()
    }

    @Test func movingATCPListenerToAnotherAddressOfItsPortWorks() async throws {
        // A free port: bound by the kernel's choice, then released.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(probe.localAddress?.port)
        try await probe.close()

        let router = TestRouter()
        try await withIngest(router: router, routes: [try studioRoute(listen: ["tcp://127.0.0.1:\(port)"], stream: "studio/cam1")]) { ingest in
            // The wildcard address overlaps the loopback one, so the old socket must go first.
            try await ingest.apply(routes: [try studioRoute(listen: ["tcp://0.0.0.0:\(port)"], stream: "studio/cam1")])
            #expect(ingest.listeners.map(\.url) == ["tcp://0.0.0.0:\(port)"])
            let client = try await RawClient.connect(port: port)
            try await client.close()
        }
    }

    @Test func stopClosesListenersAndEndsUploads() async throws {
        let router = TestRouter()
        var logger = Logger(label: "ts-test")
        logger.logLevel = .critical
        let ingest = TSIngest(router: router, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await ingest.apply(routes: [try studioRoute(listen: ["tcp://127.0.0.1:0"], stream: "studio/cam1")])
        let port = try #require(ingest.localPort(for: "tcp://127.0.0.1:0"))
        let bytes = try await FFmpeg.makeTS(seconds: 1)
        let sink = try #require(try ingest.uploadHandler.beginUpload(WebRequest(method: "PUT", target: "/ingest/studio/up.ts"), remoteAddress: "test")?.get())
        #expect(sink.receive(ByteBuffer(bytes: bytes.prefix(20 * 188))) == nil)
        await ingest.stop()
        #expect(router.endings == [TestRouter.Ending(path: "studio/up", clean: true)])
        #expect(sink.receive(ByteBuffer(bytes: bytes.suffix(188))) != nil)
        #expect(ingest.listeners.isEmpty)
        await #expect(throws: (any Error).self) {
            _ = try await RawClient.connect(port: port)
        }
    }
}
