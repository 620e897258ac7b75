import Logging
import NIOCore
import NIOPosix
import Synchronization
import WeirCore

/// A TCP socket whose one connection at a time publishes one stream.
///
/// A second connection while one is connected is refused (closed at once): two encoders
/// cannot feed one stream, and the first one is usually the one the operator wants.
final class TSTCPListener: TSListener {
    private struct State {
        var settings: TSListenerSettings
        var channel: (any Channel)?
        var localPort: Int?
        /// The connection that publishes, admitted first.
        var publisher: ObjectIdentifier?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    let url: TSListenURL
    let context: TSSession.Context
    private let state: Mutex<State>

    private init(settings: TSListenerSettings, context: TSSession.Context) {
        self.url = settings.url
        self.context = context
        self.state = Mutex(State(settings: settings))
    }

    var settings: TSListenerSettings { state.withLock { $0.settings } }
    var localPort: Int? { state.withLock { $0.localPort } }
    var isAlive: Bool { state.withLock { $0.channel }?.isActive ?? false }
    var isPublishing: Bool { state.withLock { $0.publisher != nil } }
    var receiveBuffer: Int? { nil }
    var isClosed: Bool { state.withLock { $0.closed } }
    var logger: Logger { context.logger }

    static func bind(settings: TSListenerSettings, group: any EventLoopGroup, context: TSSession.Context) async throws(TSIngestError) -> TSTCPListener {
        let listener = TSTCPListener(settings: settings, context: context)
        let url = settings.url
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                listener.initialize(channel)
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: url.host, port: url.port).get()
        } catch {
            throw .bindFailed(url: url.description, message: "\(error)")
        }
        let port = channel.localAddress?.port
        listener.state.withLock { s in
            s.channel = channel
            s.localPort = port
        }
        context.logger.info("TS listening", metadata: [
            "listen": "\(url)", "port": "\(port ?? url.port)", "stream": "\(settings.stream)", "route": "\(settings.routeName)",
        ])
        return listener
    }

    private func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let open = state.withLock { s in
            guard !s.closed else { return false }
            s.connections[id] = channel
            return true
        }
        channel.closeFuture.whenComplete { [self] _ in
            state.withLock { s in
                s.connections[id] = nil
                if s.publisher == id { s.publisher = nil }
            }
        }
        guard open else { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let idle = settings.idleTimeout
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if let idle {
                // Also covers a connection that never sends a byte, which has no session yet.
                try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
            }
            try pipeline.addHandler(TSTCPHandler(listener: self))
        }
    }

    /// Makes `channel` the publishing connection, unless another one is.
    ///
    /// - Returns: The settings its session uses, or nil when the listener is busy or closed.
    func admit(_ channel: any Channel) -> TSListenerSettings? {
        state.withLock { s in
            guard !s.closed, s.publisher == nil else { return nil }
            s.publisher = ObjectIdentifier(channel)
            return s.settings
        }
    }

    func update(_ settings: TSListenerSettings) async {
        state.withLock { $0.settings = settings }
    }

    func close() async {
        let (channel, connections) = state.withLock { s in
            s.closed = true
            defer { s.channel = nil }
            return (s.channel, Array(s.connections.values))
        }
        try? await channel?.close()
        for connection in connections { connection.close(promise: nil) }
        for connection in connections { try? await connection.closeFuture.get() }
        if channel != nil {
            logger.info("TS listener closed", metadata: ["listen": "\(url)", "connections_closed": "\(connections.count)"])
        }
    }
}
