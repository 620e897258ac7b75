import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for authorisation hooks: one POST, the status code back.
///
/// Hooks are operators' own services, usually on the same host; plain `http://` is all they
/// need, and a client this small keeps the daemon free of a general HTTP stack.
struct HookClient: Sendable {
    enum Failure: Error, Equatable {
        case badURL(String)
        case unreachable(String)
        case timedOut
    }

    let group: any EventLoopGroup

    /// POSTs `body` (JSON) to `url` and returns the response status.
    func post(_ url: String, body: String, timeout: TimeAmount) async throws -> Int {
        let target = try Self.parse(url)
        let promise = group.next().makePromise(of: Int.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StatusHandler(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            promise.fail(error)
            throw Failure.unreachable("\(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }

    struct Target: Equatable {
        var host: String
        var port: Int
        var path: String
        var hostHeader: String
    }

    static func parse(_ url: String) throws(Failure) -> Target {
        guard url.hasPrefix("http://") else { throw .badURL("only http:// hooks are supported: \(url)") }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        var host = String(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw .badURL("bad port in \(url)")
            }
            port = parsed
            host = String(authority[..<colon])
        }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { throw .badURL("no host in \(url)") }
        return Target(host: host, port: port, path: path.isEmpty ? "/" : String(path), hostHeader: String(authority))
    }

    private final class StatusHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Int>

        init(promise: EventLoopPromise<Int>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                promise.succeed(Int(head.status.code))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(Failure.unreachable("connection closed before a response"))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
