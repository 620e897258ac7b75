public import Logging
public import NIOCore
import NIOPosix
import Synchronization
public import WeirCore

/// The RTMP listener: accepts broadcasters and runs one session per connection.
///
/// Each session asks the router for a publish and feeds the granted stream's bus. Stopping the
/// server closes the listener and every session; each session finishes its publication as its
/// connection closes.
public final class RTMPServer: Sendable {
    private struct State {
        var configuration: Configuration
        var listener: (any Channel)?
        var localPort: Int?
        var sessions: [ObjectIdentifier: any Channel] = [:]
        /// Open connections per client address, for `max_connections_per_address`.
        var perAddress: [String: Int] = [:]
        var stopped = false
    }

    private let state: Mutex<State>
    private let router: any StreamRouter
    private let group: any EventLoopGroup
    private let logger: Logger
    /// Connections closed before they could publish, by ``Refusal`` reason.
    public let refusals: RefusalCounter

    /// Why a connection was closed before it could publish.
    public enum Refusal: String, CaseIterable, Sendable {
        /// Closed at accept because the address already had `max_connections_per_address` open.
        case perAddress = "per_address"
        /// Accepted, but the handshake did not complete within `handshake_timeout`.
        case handshakeTimeout = "handshake_timeout"
    }

    /// - Parameters:
    ///   - configuration: listener settings, usually `Configuration(options:)`.
    ///   - router: decides every publish.
    ///   - group: the event loops that run the listener and the sessions.
    ///   - logger: sessions add `remote` and `stream` metadata to it.
    ///   - refusals: where refused connections are counted; pass the previous server's to keep
    ///     the counts across a listener move.
    public init(
        configuration: Configuration, router: any StreamRouter, group: any EventLoopGroup, logger: Logger,
        refusals: RefusalCounter = RefusalCounter()
    ) {
        self.state = Mutex(State(configuration: configuration))
        self.router = router
        self.group = group
        self.logger = logger
        self.refusals = refusals
    }

    /// The settings new connections get.
    public var configuration: Configuration { state.withLock { $0.configuration } }

    /// Applies new settings to connections accepted from now on; a changed `listen` address
    /// needs a new server.
    public func update(configuration: Configuration) {
        state.withLock { $0.configuration = configuration }
    }

    /// The bound TCP port once ``start()`` returned (useful with port 0).
    public var localPort: Int? { state.withLock { $0.localPort } }

    /// Live sessions, publishing or not.
    public var sessionCount: Int { state.withLock { $0.sessions.count } }

    /// Binds the listener; calling it again while it is bound does nothing.
    public func start() async throws {
        let (listen, bound) = state.withLock { ($0.configuration.listen, $0.listener != nil) }
        guard !bound else { return }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                self.initializeSession(channel)
            }
        let listener = try await bootstrap.bind(host: listen.bindHost, port: listen.port).get()
        let port = listener.localAddress?.port
        let stoppedMeanwhile = state.withLock { s in
            s.listener = listener
            s.localPort = port
            return s.stopped
        }
        if stoppedMeanwhile {
            try? await listener.close()
            return
        }
        logger.info("RTMP listening", metadata: ["address": "\(listen.bindHost):\(port ?? listen.port)"])
    }

    /// Closes the listener and every session; returns once each session has finished its publication.
    public func stop() async {
        let (listener, sessions) = state.withLock { s in
            s.stopped = true
            let listener = s.listener
            s.listener = nil
            return (listener, Array(s.sessions.values))
        }
        try? await listener?.close()
        for session in sessions {
            session.close(promise: nil)
        }
        for session in sessions {
            try? await session.closeFuture.get()
        }
        if listener != nil {
            logger.info("RTMP listener stopped", metadata: ["sessions_closed": "\(sessions.count)"])
        }
    }

    private func initializeSession(_ channel: any Channel) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress ?? "?"
        enum Admission { case admitted(Configuration), stopped, refused(limit: Int) }
        let admission: Admission = state.withLock { s in
            guard !s.stopped else { return .stopped }
            let open = s.perAddress[address, default: 0]
            let limit = s.configuration.maxConnectionsPerAddress
            if limit > 0, open >= limit {
                return .refused(limit: limit)
            }
            s.perAddress[address] = open + 1
            s.sessions[id] = channel
            return .admitted(s.configuration)
        }
        let configuration: Configuration
        switch admission {
        case .admitted(let admitted):
            configuration = admitted
        case .stopped:
            return channel.close()
        case .refused(let limit):
            refusals.count(Refusal.perAddress.rawValue)
            logger.warning("RTMP connection refused: too many connections from this address", metadata: [
                "remote": "\(address)", "max_connections_per_address": "\(limit)",
            ])
            return channel.close()
        }
        channel.closeFuture.whenComplete { [self] _ in
            self.state.withLock { s in
                s.sessions.removeValue(forKey: id)
                let open = s.perAddress[address, default: 1] - 1
                s.perAddress[address] = open > 0 ? open : nil
            }
        }
        let router = self.router
        let logger = self.logger
        let refusals = self.refusals
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if let idle = configuration.idleTimeout {
                try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
            }
            try pipeline.addHandler(RTMPConnectionHandler(configuration: configuration, router: router, logger: logger, refusals: refusals))
        }
    }
}
