import Logging
import NIOCore
import NIOPosix
@testable import RTMP
import WeirCore
import WeirTestSupport

/// Runs `body` against an RTMP server on 127.0.0.1 and an ephemeral port, and stops it after.
func withServer(
    router: TestRouter = TestRouter(),
    configuration: RTMPServer.Configuration = RTMPServer.Configuration(listen: ConfigAddress(host: "127.0.0.1", port: 0)),
    _ body: (RTMPServer, Int) async throws -> Void
) async throws {
    var logger = Logger(label: "rtmp-test")
    logger.logLevel = .critical
    let server = RTMPServer(configuration: configuration, router: router, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
    try await server.start()
    guard let port = server.localPort else {
        await server.stop()
        throw RawRTMPClient.Failure.socket("no port")
    }
    do {
        try await body(server, port)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
