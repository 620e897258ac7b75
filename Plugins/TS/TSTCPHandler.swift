import Logging
import NIOCore
import WeirCore

/// One TCP connection of a TS listener: its bytes are one session's transport stream.
///
/// The publish is asked for on the first bytes, so a port probe or a health check that
/// connects and leaves creates no stream. A peer that closes its side finishes the stream; a
/// reset or the idle timeout loses it.
final class TSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let listener: TSTCPListener
    private var settings: TSListenerSettings?
    private var session: TSSession?
    private var remote = "unknown"
    private var closing = false

    init(listener: TSTCPListener) {
        self.listener = listener
    }

    func channelActive(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress {
            remote = TSUDPHandler.describe(address)
        }
        guard let admitted = listener.admit(context.channel) else {
            listener.context.registry.refused()
            listener.logger.warning("TS connection refused: another publisher is connected to this listener", metadata: [
                "listen": "\(listener.url)", "remote": "\(remote)",
            ])
            closing = true
            context.close(promise: nil)
            return
        }
        settings = admitted
        listener.logger.debug("TS connection", metadata: ["listen": "\(listener.url)", "remote": "\(remote)"])
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, let settings else { return }
        let bytes = unwrapInboundIn(data)
        if session == nil {
            let channel = context.channel
            let result = TSSession.open(
                path: settings.stream, source: remote, transport: "tcp", idleTimeout: nil,
                eventLoop: context.eventLoop, context: listener.context
            ) { reason in
                if case .disconnected = reason { channel.close(promise: nil) }
            }
            switch result {
            case .success(let opened):
                session = opened
            case .failure(let refusal):
                listener.logger.warning("TS publish refused; closing the connection", metadata: [
                    "listen": "\(listener.url)", "stream": "\(settings.stream)", "remote": "\(remote)", "reason": "\(refusal)",
                ])
                close(context: context)
                return
            }
        }
        if session?.receive(bytes) != true {
            close(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            listener.logger.warning("nothing received for the idle timeout; closing the connection", metadata: [
                "listen": "\(listener.url)", "remote": "\(remote)",
            ])
            session?.end(.idle)
            close(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session?.end(.connectionLost("\(error)"))
        close(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.end(listener.isClosed ? .listenerClosed : .sourceFinished)
        session = nil
        context.fireChannelInactive()
    }

    private func close(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.close(promise: nil)
    }
}
