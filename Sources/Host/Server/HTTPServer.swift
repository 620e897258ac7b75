import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import WeirCore

/// The HTTP listener on TCP 8080: playlists, segments, health.
final class HTTPServer: Sendable {
    private let address: ConfigAddress
    private let responder: WebResponder
    private let group: any EventLoopGroup
    private let logger: Logger
    private let channel = Mutex<(any Channel)?>(nil)
    let limits: HTTPLimits

    init(address: ConfigAddress, limits: HTTPLimits, responder: WebResponder, group: any EventLoopGroup, logger: Logger) {
        self.address = address
        self.responder = responder
        self.limits = limits
        self.group = group
        self.logger = logger
    }

    var localPort: Int? { channel.withLock { $0?.localAddress?.port } }

    func start() async throws {
        let responder = self.responder
        let limits = self.limits
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let address = channel.remoteAddress?.ipAddress ?? "?"
                guard limits.admit(address) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in limits.release(address) }
                let settings = limits.settings
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: settings.idleTimeout))
                    // Without NIO's error handler: HTTPConnectionHandler answers malformed requests itself.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPConnectionHandler(responder: responder, limits: limits, logger: logger))
                }
            }
        let bound = try await bootstrap.bind(host: address.bindHost, port: address.port).get()
        channel.withLock { $0 = bound }
        logger.info("HTTP listening", metadata: ["address": "\(bound.localAddress.map { "\($0)" } ?? "?")"])
    }

    func stop() async {
        let bound = channel.withLock { c in
            defer { c = nil }
            return c
        }
        try? await bound?.close()
    }
}
