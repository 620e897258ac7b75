import NIOCore
import WeirCore

/// Answers every HTTP request: CORS preflight, health, then each module's handler in turn.
///
/// Everything Weir serves may be read by a browser player on another origin and cached by a
/// CDN, so CORS headers go on every response and errors are marked `no-store`.
struct WebResponder: Sendable {
    let handlers: [any WebHandler]
    let uploadHandlers: [any WebUploadHandler]
    let statistics: HTTPStatistics

    init(handlers: [any WebHandler], uploadHandlers: [any WebUploadHandler] = [], statistics: HTTPStatistics = HTTPStatistics()) {
        self.handlers = handlers
        self.uploadHandlers = uploadHandlers
        self.statistics = statistics
    }

    static let corsHeaders: [(String, String)] = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "Content-Length, Content-Type"),
    ]

    func respond(to request: WebRequest) async -> WebResponse {
        finish(request, await route(request))
    }

    /// The answer when it is ready without waiting; nil sends the request to
    /// ``respond(to:)``.
    func respondNow(to request: WebRequest) -> WebResponse? {
        if let early = preflight(request) { return finish(request, early) }
        for handler in handlers {
            switch handler.respondNow(to: request) {
            case .response(let response): return finish(request, response)
            case .notMine: continue
            case .later: return nil
            }
        }
        return finish(request, .text(404, "not found"))
    }

    private func finish(_ request: WebRequest, _ original: WebResponse) -> WebResponse {
        let response = Self.withCORS(original)
        // Statuses are counted by the connection handler, which writes every response.
        if response.status == 200, request.path.hasSuffix(".m3u8"), let stream = Self.streamPath(request.path) {
            // A viewer is a client address (without its port) that keeps fetching a stream's playlists.
            let address = request.remoteAddress
            let client = address.lastIndex(of: ":").map { String(address[..<$0]) } ?? address
            statistics.recordPlaylist(stream: stream, client: client)
        }
        return response
    }

    /// Offers a `PUT`/`POST` to the upload handlers; nil when none takes the path.
    func beginUpload(_ request: WebRequest, remoteAddress: String) -> Result<any WebUploadSink, WebUploadRefusal>? {
        for handler in uploadHandlers {
            if let result = handler.beginUpload(request, remoteAddress: remoteAddress) { return result }
        }
        return nil
    }

    /// `APP/KEY` of `/APP/KEY/…`, or nil when the path has fewer segments.
    static func streamPath(_ path: String) -> String? {
        let utf8 = path.utf8
        guard utf8.first == UInt8(ascii: "/") else { return nil }
        let start = utf8.index(after: utf8.startIndex)
        guard let slash = utf8[start...].firstIndex(of: UInt8(ascii: "/")), slash != start,
              let end = utf8[utf8.index(after: slash)...].firstIndex(of: UInt8(ascii: "/")),
              end != utf8.index(after: slash) else { return nil }
        return String(path[start..<end])
    }

    static func withCORS(_ original: WebResponse) -> WebResponse {
        var response = original
        for (name, value) in Self.corsHeaders where !response.headers.contains(where: { HTTPHeaderName.matches($0.0, name) }) {
            response.headers.append((name, value))
        }
        return response
    }

    private func route(_ request: WebRequest) async -> WebResponse {
        if let early = preflight(request) { return early }
        for handler in handlers {
            if let response = await handler.respond(to: request) { return response }
        }
        return .text(404, "not found")
    }

    /// What is answered before any handler: CORS preflight, methods nobody serves, health.
    private func preflight(_ request: WebRequest) -> WebResponse? {
        switch request.method {
        case "OPTIONS":
            return WebResponse(status: 204, headers: [
                ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
                ("Access-Control-Allow-Headers", "*"),
                ("Access-Control-Max-Age", "86400"),
                ("Cache-Control", "no-store"),
            ])
        case "GET", "HEAD":
            break
        default:
            var response = WebResponse.text(405, "method not allowed")
            response.headers.append(("Allow", "GET, HEAD, OPTIONS"))
            return response
        }
        if request.path == "/healthz" {
            return .text(200, "ok")
        }
        return nil
    }
}
