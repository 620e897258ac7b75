import Logging
import NIOCore
import NIOPosix
import Synchronization
import WeirCore

/// A UDP socket, unicast or multicast, whose datagrams publish one stream.
///
/// Datagrams from the first sender open a session; other senders are ignored (and counted)
/// while it lasts, since two interleaved transport streams would garble each other. The session
/// ends after the idle timeout of silence, and the next datagram, from any sender, opens a new one.
final class TSUDPListener: TSListener {
    /// Large enough for any UDP payload, so no datagram is truncated.
    static let datagramCapacity = 65_536

    private struct State {
        var settings: TSListenerSettings
        var channel: (any Channel)?
        var localPort: Int?
        var session: TSSession?
        var receiveBuffer: Int?
        /// The listener itself closed the socket (reload, stop, failed setup).
        var closing = false
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
    var receiveBuffer: Int? { state.withLock { $0.receiveBuffer } }
    var logger: Logger { context.logger }

    var isClosing: Bool { state.withLock { $0.closing } }

    var isPublishing: Bool { state.withLock { $0.session.map { !$0.isEnded } ?? false } }

    /// Records the session the handler opened, for ``isPublishing``.
    func sessionOpened(_ session: TSSession) {
        state.withLock { $0.session = session }
    }

    /// Binds the socket, sizes its receive buffer and joins the multicast group if any.
    static func bind(settings: TSListenerSettings, group: any EventLoopGroup, context: TSSession.Context) async throws(TSIngestError) -> TSUDPListener {
        let listener = TSUDPListener(settings: settings, context: context)
        let url = settings.url
        let bootstrap = DatagramBootstrap(group: group)
            // Unicast and multicast listeners of a route may share a port (udp://0.0.0.0:9000
            // beside udp://239.1.1.1:9000); that needs the option on both sockets.
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: datagramCapacity))
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TSUDPHandler(listener: listener))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: url.host, port: url.port).get()
        } catch {
            throw .bindFailed(url: url.description, message: "\(error)")
        }
        let receiveBuffer: Int?
        do {
            try await TSSocketTuning.restrictMulticast(channel).get()
            receiveBuffer = try await TSSocketTuning.applyReceiveBuffer(settings.receiveBuffer, on: channel, url: url, logger: context.logger).get()
            if url.isMulticast {
                try await join(url, channel: channel)
            }
        } catch {
            listener.state.withLock { $0.closing = true }
            try? await channel.close()
            if let error = error as? TSIngestError { throw error }
            throw .bindFailed(url: url.description, message: "\(error)")
        }
        let port = channel.localAddress?.port
        listener.state.withLock { s in
            s.channel = channel
            s.localPort = port
            s.receiveBuffer = receiveBuffer
        }
        context.logger.info("TS listening", metadata: [
            "listen": "\(url)", "port": "\(port ?? url.port)", "stream": "\(settings.stream)", "route": "\(settings.routeName)",
        ])
        return listener
    }

    private static func join(_ url: TSListenURL, channel: any Channel) async throws {
        guard let multicast = channel as? any MulticastChannel else {
            throw TSIngestError.bindFailed(url: url.description, message: "the socket does not support multicast")
        }
        let group = try SocketAddress(ipAddress: url.host, port: url.port)
        var device: NIONetworkDevice?
        if let interface = url.interface {
            device = try System.enumerateDevices().first { $0.address?.ipAddress == interface }
            guard device != nil else {
                throw TSIngestError.bindFailed(url: url.description, message: "no network interface has the address \(interface)")
            }
        }
        try await multicast.joinGroup(group, device: device).get()
    }

    func update(_ settings: TSListenerSettings) async {
        let (previous, channel) = state.withLock { s in
            let previous = s.settings
            s.settings = settings
            return (previous, s.channel)
        }
        if settings.receiveBuffer != previous.receiveBuffer, let channel,
           let granted = try? await TSSocketTuning.applyReceiveBuffer(settings.receiveBuffer, on: channel, url: url, logger: logger).get() {
            state.withLock { $0.receiveBuffer = granted }
        }
    }

    func close() async {
        let channel = state.withLock { s in
            s.closing = true
            defer { s.channel = nil }
            return s.channel
        }
        guard let channel else { return }
        try? await channel.close()
        logger.info("TS listener closed", metadata: ["listen": "\(url)"])
    }
}
