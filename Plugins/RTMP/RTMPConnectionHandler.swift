import Logging
import NIOCore
import WeirCore
import WeirFormats

/// One RTMP connection: handshake, chunk stream, protocol control, commands and media.
///
/// Runs on its channel's event loop and never suspends: the router decides a publish
/// synchronously and the bus accepts packets without blocking. Whatever ends the connection
/// (the client leaving, a protocol error, a refusal, a timeout, the server stopping) finishes
/// the publication exactly once, in ``channelInactive(context:)`` at the latest.
final class RTMPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase {
        case handshake
        case messages
        /// A refusal or error was sent; nothing more is read.
        case closing
    }

    /// Window Acknowledgement Size and peer bandwidth the server announces.
    static let windowAcknowledgementSize: UInt32 = 2_500_000
    /// The id `createStream` hands out; a publisher needs only one stream.
    static let mediaStreamID: UInt32 = 1
    /// Above this many consumed bytes at its front, the receive buffer is compacted.
    static let compactThreshold = 64 * 1024

    let configuration: RTMPServer.Configuration
    let router: any StreamRouter
    var logger: Logger
    let refusals: RefusalCounter

    var phase = Phase.handshake
    var handshake = RTMPHandshake()
    /// Received bytes not yet decoded (a partial chunk).
    var inbound: ByteBuffer?
    var decoder: RTMPChunkDecoder
    var encoder = RTMPChunkEncoder()
    /// Encoded messages waiting for the end of the current read to be flushed together.
    var outbound: ByteBuffer?
    var counters = RTMPSessionCounters()
    /// The client's Window Acknowledgement Size: it wants an Acknowledgement each time this many bytes arrived.
    var peerWindow: UInt32?
    var acknowledgedBytes: UInt64 = 0
    var handshakeTimer: Scheduled<Void>?
    var remoteAddress = "unknown"

    /// The application named by `connect`.
    var app: String?
    /// Query parameters that came with the application name (`rtmp://HOST/APP?k=v/KEY`).
    var connectQuery: [String: String] = [:]
    var metadata: RTMPStreamMetadata?
    var publication: Publication?
    /// A publish is waiting for its authorisation.
    var authorizing = false
    var ingest: RTMPMediaIngest?
    var streamPath: StreamPath?

    init(configuration: RTMPServer.Configuration, router: any StreamRouter, logger: Logger, refusals: RefusalCounter) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.refusals = refusals
        self.decoder = RTMPChunkDecoder(maxMessageSize: configuration.maxMessageSize)
    }

    // MARK: Channel events

    func channelActive(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress {
            remoteAddress = address.ipAddress.map { "\($0):\(address.port ?? 0)" } ?? "\(address)"
        }
        logger[metadataKey: "remote"] = .string(remoteAddress)
        logger.debug("RTMP connection")
        if let timeout = configuration.handshakeTimeout {
            let channel = context.channel
            let logger = self.logger
            let refusals = self.refusals
            handshakeTimer = context.eventLoop.scheduleTask(in: timeout) {
                refusals.count(RTMPServer.Refusal.handshakeTimeout.rawValue)
                logger.warning("RTMP handshake timed out; closing", metadata: [
                    "handshake_timeout": "\(timeout.nanoseconds / 1_000_000)ms",
                ])
                channel.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        finishPublication(reason: "connection closed")
        logger.debug("RTMP connection closed", metadata: [
            "bytes_in": "\(counters.bytesIn)", "messages": "\(counters.messages)",
        ])
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            logger.warning("nothing received from the client for too long; closing", metadata: [
                "idle_timeout": "\(configuration.idleTimeout.map { "\($0.nanoseconds / 1_000_000)ms" } ?? "off")",
            ])
            close(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("RTMP connection error", metadata: ["error": "\(error)"])
        close(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard phase != .closing else { return }
        counters.bytesIn &+= UInt64(bytes.readableBytes)

        var buffer: ByteBuffer
        if var pending = inbound {
            inbound = nil
            pending.writeBuffer(&bytes)
            buffer = pending
        } else {
            buffer = bytes
        }
        process(&buffer, context: context)
        if phase != .closing, buffer.readableBytes > 0 {
            if buffer.readerIndex >= Self.compactThreshold { buffer.discardReadBytes() }
            inbound = buffer
        }
        if phase == .messages { acknowledgeIfDue() }
        flush(context: context)
    }

    // MARK: Input

    private func process(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        handshaking: while phase == .handshake {
            do {
                switch try handshake.advance(&buffer) {
                case .needMoreData:
                    return
                case .reply(let reply):
                    outbound = reply
                case .complete:
                    handshakeTimer?.cancel()
                    handshakeTimer = nil
                    phase = .messages
                    logger.trace("RTMP handshake complete")
                    break handshaking
                }
            } catch {
                logger.warning("RTMP handshake failed; closing", metadata: ["error": "\(error)"])
                close(context: context)
                return
            }
        }
        while phase == .messages {
            let message: RTMPMessage?
            do {
                message = try decoder.nextMessage(from: &buffer)
            } catch {
                logger.warning("RTMP protocol error; closing", metadata: ["error": "\(error)"])
                close(context: context)
                return
            }
            guard let message else { return }
            counters.messages += 1
            handle(message, context: context)
        }
    }

    private func handle(_ message: RTMPMessage, context: ChannelHandlerContext) {
        switch message.typeID {
        case RTMPMessageType.audio, RTMPMessageType.video:
            handleMedia(typeID: message.typeID, timestamp: message.timestamp, payload: message.payload, context: context)
        case RTMPMessageType.commandAMF0, RTMPMessageType.commandAMF3:
            handleCommand(message, context: context)
        case RTMPMessageType.dataAMF0, RTMPMessageType.dataAMF3:
            handleData(message)
        case RTMPMessageType.aggregate:
            handleAggregate(message, context: context)
        case RTMPMessageType.setChunkSize:
            // The decoder has already applied it.
            logger.trace("peer chunk size", metadata: ["chunk_size": "\(decoder.chunkSize)"])
        case RTMPMessageType.windowAcknowledgementSize:
            if let size = message.payload.getInteger(at: message.payload.readerIndex, as: UInt32.self), size > 0 {
                peerWindow = size
            }
        case RTMPMessageType.userControl:
            handleUserControl(message)
        case RTMPMessageType.abort, RTMPMessageType.acknowledgement, RTMPMessageType.setPeerBandwidth:
            break
        default:
            logger.debug("ignoring RTMP message", metadata: ["type": "\(message.typeID)"])
        }
    }

    private func handleUserControl(_ message: RTMPMessage) {
        var payload = message.payload
        guard let event = payload.readInteger(as: UInt16.self) else { return }
        if event == RTMPUserControlEvent.pingRequest, let value = payload.readInteger(as: UInt32.self) {
            send(.userControl(RTMPUserControlEvent.pingResponse, value))
        }
    }

    /// Sends an Acknowledgement each time the client's window of bytes has arrived.
    private func acknowledgeIfDue() {
        guard let window = peerWindow, counters.bytesIn - acknowledgedBytes >= UInt64(window) else { return }
        acknowledgedBytes = counters.bytesIn
        // The sequence number is the byte count modulo 2^32, as the field is 32 bits wide.
        send(.acknowledgement(UInt32(truncatingIfNeeded: counters.bytesIn)))
    }

    // MARK: Output

    func send(_ message: RTMPMessage) {
        var buffer = outbound ?? ByteBuffer()
        outbound = nil
        encoder.write(message, into: &buffer)
        outbound = buffer
    }

    func flush(context: ChannelHandlerContext) {
        guard let buffer = outbound, buffer.readableBytes > 0 else { return }
        outbound = nil
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// Sends what is pending, then closes; nothing more is read.
    func close(context: ChannelHandlerContext) {
        guard phase != .closing else { return }
        phase = .closing
        inbound = nil
        finishPublication(reason: "session closing")
        let channel = context.channel
        if let buffer = outbound, buffer.readableBytes > 0 {
            outbound = nil
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
                channel.close(promise: nil)
            }
        } else {
            context.close(promise: nil)
        }
    }

    /// Ends the publish, once.
    ///
    /// - Parameters:
    ///   - clean: the publisher said it was done (`FCUnpublish`, `deleteStream`); otherwise the
    ///     connection was lost and the event waits for the broadcaster to come back.
    func finishPublication(reason: String, clean: Bool = false) {
        guard let publication else { return }
        self.publication = nil
        ingest = nil
        if clean {
            publication.finish()
        } else {
            publication.connectionLost()
        }
        logger.info("publish ended", metadata: [
            "reason": "\(reason)",
            "bytes_in": "\(counters.bytesIn)",
            "video_packets": "\(counters.videoPackets)",
            "audio_packets": "\(counters.audioPackets)",
            "dropped": "\(counters.dropped)",
            "discontinuities": "\(counters.discontinuities)",
            "adjusted_timestamps": "\(counters.adjustedTimestamps)",
        ])
    }
}
