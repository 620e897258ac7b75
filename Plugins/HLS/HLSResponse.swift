import NIOCore
import WeirCore

/// The responses HLS serves, with the contract's content types, cache lifetimes and CORS headers.
enum HLSResponse {
    static let playlistType = "application/vnd.apple.mpegurl"
    /// Segments, parts and init segments never change meaning: their URIs carry the epoch.
    static let immutable = "public, max-age=31536000, immutable"
    static let cors: [(String, String)] = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "Content-Length, Content-Type"),
    ]

    /// A playlist that caches may keep for `maxAge` seconds.
    static func playlist(_ body: ByteBuffer, maxAge: Int) -> WebResponse {
        WebResponse(
            status: 200,
            headers: [("Content-Type", playlistType), ("Cache-Control", "public, max-age=\(maxAge)")] + cors,
            body: body)
    }

    /// An init segment, segment or part of a track of the given kind.
    static func media(_ body: ByteBuffer, kind: MediaKind) -> WebResponse {
        WebResponse(
            status: 200,
            headers: [("Content-Type", kind == .video ? "video/mp4" : "audio/mp4"), ("Cache-Control", immutable)] + cors,
            body: body)
    }

    /// A short plain-text error that caches must not keep.
    static func error(_ status: Int, _ message: String) -> WebResponse {
        var response = WebResponse.text(status, message)
        response.headers += cors
        return response
    }

    static func notFound() -> WebResponse { error(404, "not found") }

    static func unavailable() -> WebResponse { error(503, "not available yet, retry") }
}
