import Foundation
import HLS
import WeirCore

/// Signed playback URLs: playlists of a route with a `playback.secret` need a valid token.
///
/// `token = hex(HMAC-SHA256(secret, "APP/KEY:EXPIRES"))`, with EXPIRES a Unix time in seconds,
/// given as `?expires=EXPIRES&token=TOKEN`. One token covers every playlist of the stream, so
/// the multivariant playlist passes it on to the media playlists it lists; segments and parts
/// are never signed, so every viewer's requests for them are the same and caches share them.
struct PlaybackSigner: PlaylistAccess {
    let routes: @Sendable () -> RouteTable
    let now: @Sendable () -> Int64

    init(routes: @escaping @Sendable () -> RouteTable, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.routes = routes
        self.now = now
    }

    func check(_ request: WebRequest, stream: LiveStream) -> PlaylistAccessDecision {
        guard let secret = routes().route(named: stream.routeName)?.settings.object("playback")?.string("secret"), !secret.isEmpty else {
            return .allowed(propagate: nil)
        }
        guard let expiresText = request.query["expires"], let expires = Int64(expiresText), let token = request.query["token"] else {
            return .denied("this stream needs a signed URL (expires and token)")
        }
        guard expires >= now() else { return .denied("the signed URL has expired") }
        let expected = Self.token(secret: secret, path: stream.path.description, expires: expires)
        guard Self.constantTimeEqual(expected, token.lowercased()) else { return .denied("invalid token") }
        return .allowed(propagate: "expires=\(expires)&token=\(expected)")
    }

    static func token(secret: String, path: String, expires: Int64) -> String {
        SHA256.hex(SHA256.hmac(key: Array(secret.utf8), message: Array("\(path):\(expires)".utf8)))
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
