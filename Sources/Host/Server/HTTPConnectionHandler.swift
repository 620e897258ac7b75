import NIOCore
import NIOHTTP1
import WeirCore

/// Bridges one HTTP/1.1 connection to the async ``WebResponder``.
///
/// NIO's pipelining handler in front of this one delivers one request at a time, so a
/// blocking playlist request holds its connection's later requests back, as HTTP/1.1 requires.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: WebResponder
    private let limits: HTTPLimits
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

    init(responder: WebResponder, limits: HTTPLimits) {
        self.responder = responder
        self.limits = limits
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
            if head.uri.utf8.count > limits.settings.maxRequestTarget {
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
        if case .streaming(let sink, _) = upload {
            upload = .none
            sink.abort()
        }
        context.close(promise: nil)
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
