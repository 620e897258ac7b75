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
        let response = Self.withCORS(await route(request))
        // Statuses are counted by the connection handler, which writes every response.
        if response.status == 200, request.path.hasSuffix(".m3u8") {
            // A viewer is a client address that keeps fetching a stream's playlists.
            let segments = request.path.split(separator: "/", maxSplits: 2)
            if segments.count == 3 {
                let client = request.remoteAddress.split(separator: ":").dropLast().joined(separator: ":")
                statistics.recordPlaylist(stream: "\(segments[0])/\(segments[1])", client: client)
            }
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

    static func withCORS(_ original: WebResponse) -> WebResponse {
        var response = original
        for (name, value) in Self.corsHeaders where !response.headers.contains(where: { $0.0.lowercased() == name.lowercased() }) {
            response.headers.append((name, value))
        }
        return response
    }

    private func route(_ request: WebRequest) async -> WebResponse {
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
        for handler in handlers {
            if let response = await handler.respond(to: request) { return response }
        }
        return .text(404, "not found")
    }
}
