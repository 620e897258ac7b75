public import WeirCore

/// Decides who may fetch a stream's playlists (signed playback URLs).
///
/// Only playlists are gated: segment and part URIs stay the same for every viewer so caches can
/// share them. An allowed request's query is carried into the URIs of the playlists it lists,
/// so a player that got the multivariant playlist with a token fetches the media playlists
/// with it too.
public protocol PlaylistAccess: Sendable {
    func check(_ request: WebRequest, stream: LiveStream) -> PlaylistAccessDecision
}

public enum PlaylistAccessDecision: Sendable, Equatable {
    /// Allowed; the query to append to playlist URIs in the response, if any.
    case allowed(propagate: String?)
    case denied(String)
}
