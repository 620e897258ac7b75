import Logging
import NIOCore
import WeirCore

/// Turns a UDP listener's datagrams into sessions; runs on the socket's event loop.
final class TSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// How long a refused source waits before its datagrams ask the router again.
    static let retryDelay = TimeAmount.seconds(1)

    private let listener: TSUDPListener
    private var session: TSSession?
    /// The sender that owns the session.
    private var sender: SocketAddress?
    private var retryAt: NIODeadline?
    private var lastRefusal: PublishRefusal?
    /// Datagrams ignored since the last report to the registry.
    private var ignored = 0
    private var warnedOtherSender = false

    init(listener: TSUDPListener) {
        self.listener = listener
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        if let current = session, current.isEnded {
            session = nil
            sender = nil
        }
        if session == nil, !open(from: envelope.remoteAddress, context: context) {
            ignored += 1
            return
        }
        guard let session else { return }
        guard envelope.remoteAddress == sender else {
            ignored += 1
            if !warnedOtherSender {
                warnedOtherSender = true
                listener.logger.warning("ignoring datagrams from a second sender while the first one publishes", metadata: [
                    "listen": "\(listener.url)", "sender": "\(Self.describe(envelope.remoteAddress))",
                    "publisher": "\(session.source)",
                ])
            }
            return
        }
        session.receive(envelope.data, datagram: true)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if ignored > 0 {
            listener.context.registry.ignoredDatagrams(ignored)
            ignored = 0
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !listener.isClosing {
            listener.logger.error("UDP listener socket closed unexpectedly; a reload or restart binds it again", metadata: [
                "listen": "\(listener.url)",
            ])
        }
        session?.end(.listenerClosed)
        session = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed read of one datagram leaves the socket usable.
        listener.logger.debug("UDP receive error", metadata: ["listen": "\(listener.url)", "error": "\(error)"])
    }

    /// Opens a session for `address`, unless a recent refusal still holds.
    private func open(from address: SocketAddress, context: ChannelHandlerContext) -> Bool {
        let now = NIODeadline.now()
        if let retryAt, now < retryAt { return false }
        let settings = listener.settings
        let source = Self.describe(address)
        let result = TSSession.open(
            path: settings.stream, source: source, transport: "udp",
            idleTimeout: settings.idleTimeout ?? .microseconds(TSModule.defaultIdleTimeout.microseconds),
            eventLoop: context.eventLoop, context: listener.context)
        switch result {
        case .success(let opened):
            session = opened
            sender = address
            retryAt = nil
            lastRefusal = nil
            warnedOtherSender = false
            listener.sessionOpened(opened)
            return true
        case .failure(let refusal):
            retryAt = now + Self.retryDelay
            let metadata: Logger.Metadata = [
                "listen": "\(listener.url)", "stream": "\(settings.stream)", "remote": "\(source)", "reason": "\(refusal)",
            ]
            // A refused sender keeps sending: say it once, not every second.
            if refusal != lastRefusal {
                listener.logger.warning("TS publish refused; dropping datagrams and retrying every second", metadata: metadata)
            } else {
                listener.logger.debug("TS publish still refused", metadata: metadata)
            }
            lastRefusal = refusal
            return false
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return "\(address)" }
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
