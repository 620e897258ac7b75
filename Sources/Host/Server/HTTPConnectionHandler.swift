import Logging
import NIOCore
import NIOHTTP1
import WeirCore

/// Bridges one HTTP/1.1 connection to the async ``WebResponder``.
///
/// NIO's pipelining handler in front of this one delivers one request at a time, so a
/// blocking playlist request holds its connection's later requests back, as HTTP/1.1 requires.
///
/// Every response of the connection is written here, refusals of malformed requests included,
/// so that each one is counted by status: a status written anywhere else would be missing
/// from `weir_http_requests_total`.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: WebResponder
    private let limits: HTTPLimits
    private let logger: Logger
    private var head: HTTPRequestHead?
    /// A request is being answered; an idle timeout must not cut it (blocking reloads wait).
    private var inFlight = false
    private var upload: Upload = .none
    /// The peer as `IP:PORT`, formatted once per connection.
    private var remoteAddress: String?
    private var executor: EventLoopTaskExecutor?

    /// A request body being streamed to a module, or one being discarded after a refusal.
    private enum Upload {
        case none
        case streaming(any WebUploadSink, version: HTTPVersion)
        case refused
    }

    init(responder: WebResponder, limits: HTTPLimits, logger: Logger) {
        self.responder = responder
        self.limits = limits
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if !inFlight, case .none = upload { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.method == .PUT || head.method == .POST {
                beginUpload(head, context: context)
            } else {
                self.head = head
            }
        case .body(let chunk):
            // Only uploads take bodies; anything else sent with a request is discarded.
            guard case .streaming(let sink, let version) = upload else { return }
            if let early = sink.receive(chunk) {
                upload = .refused
                write(WebResponder.withCORS(early), version: version, keepAlive: false, omitBody: false, context: context)
            }
        case .end:
            switch upload {
            case .streaming(let sink, let version):
                upload = .none
                write(WebResponder.withCORS(sink.finish()), version: version, keepAlive: true, omitBody: false, context: context)
                return
            case .refused:
                upload = .none
                return
            case .none:
                break
            }
            guard let head else { return }
            self.head = nil
            let maxRequestTarget = limits.settings.maxRequestTarget
            if head.uri.utf8.count > maxRequestTarget {
                logger.warning("HTTP request refused: request target too long", metadata: [
                    "remote": "\(remote(context))", "length": "\(head.uri.utf8.count)",
                    "max_request_target": "\(maxRequestTarget)",
                ])
                write(WebResponder.withCORS(.text(414, "request target too long")), version: head.version, keepAlive: false, omitBody: false, context: context)
                return
            }
            let request = WebRequest(
                method: head.method.rawValue, target: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }, remoteAddress: remote(context))
            let keepAlive = head.isKeepAlive
            let version = head.version
            let isHead = head.method == .HEAD
            let responder = self.responder
            if let response = responder.respondNow(to: request) {
                write(response, version: version, keepAlive: keepAlive, omitBody: isHead, context: context)
                return
            }
            inFlight = true
            let executor = taskExecutor(context)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            Task(executorPreference: executor) {
                let response = await responder.respond(to: request)
                executor.loop.execute {
                    let (handler, context) = bound.value
                    handler.inFlight = false
                    handler.write(response, version: version, keepAlive: keepAlive, omitBody: isHead, context: context)
                }
            }
        }
    }

    private func beginUpload(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let address = remote(context)
        let request = WebRequest(method: head.method.rawValue, target: head.uri, headers: head.headers.map { ($0.name, $0.value) }, remoteAddress: address)
        switch responder.beginUpload(request, remoteAddress: address) {
        case .success(let sink):
            upload = .streaming(sink, version: head.version)
            if head.headers["Expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .failure(let refusal):
            upload = .refused
            write(WebResponder.withCORS(refusal.response), version: head.version, keepAlive: false, omitBody: false, context: context)
        case nil:
            upload = .refused
            write(WebResponder.withCORS(.text(404, "not found")), version: head.version, keepAlive: false, omitBody: false, context: context)
        }
    }

    private func taskExecutor(_ context: ChannelHandlerContext) -> EventLoopTaskExecutor {
        if let executor { return executor }
        let created = EventLoopTaskExecutor(context.eventLoop)
        executor = created
        return created
    }

    private func remote(_ context: ChannelHandlerContext) -> String {
        if let remoteAddress { return remoteAddress }
        let formatted = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        remoteAddress = formatted
        return formatted
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .streaming(let sink, _) = upload {
            upload = .none
            sink.abort()
        }
        context.fireChannelInactive()
    }

    private func write(_ response: WebResponse, version: HTTPVersion, keepAlive: Bool, omitBody: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 3)
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        responder.statistics.record(status: response.status)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !omitBody, response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An upload that was already refused has had its answer; a parse error in the rest of
        // its body only ends the connection.
        var answered = false
        switch upload {
        case .streaming(let sink, _):
            upload = .none
            sink.abort()
        case .refused:
            answered = true
        case .none:
            break
        }
        // A request the decoder cannot parse gets its answer here rather than from NIO's error
        // handler, which would write it past this handler, uncounted and unlogged. The pipelining
        // handler holds a parse error back while a response is pending, and responses are
        // written whole, so no response is half written at this point.
        if let parseError = error as? HTTPParserError, !answered {
            let status = Self.status(for: parseError)
            logger.warning("HTTP request refused: malformed request", metadata: [
                "remote": "\(remote(context))", "error": "\(parseError)", "status": "\(status)",
            ])
            upload = .refused
            let message = status == 431 ? "request header fields too large" : "bad request"
            write(WebResponder.withCORS(.text(status, message)), version: .http1_1, keepAlive: false, omitBody: false, context: context)
            return
        }
        context.close(promise: nil)
    }

    /// 431 for headers over the decoder's limits, 400 for anything else it cannot parse.
    static func status(for error: HTTPParserError) -> Int {
        error == .headerOverflow ? 431 : 400
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
