/// A module's HTTP endpoints. The host's server asks each handler in turn.
public protocol WebHandler: Sendable {
    /// Answers `request`, or returns nil when the path is not this handler's.
    func respond(to request: WebRequest) async -> WebResponse?

    /// Answers `request` in the caller's context when that needs no waiting.
    ///
    /// The server tries this first, on the connection's event loop: most requests (a playlist
    /// without blocking directives, a segment in the window) are answered from memory, and
    /// handing each to a task would cost more than answering it. ``WebImmediateAnswer/later``
    /// sends the request to ``respond(to:)``.
    func respondNow(to request: WebRequest) -> WebImmediateAnswer
}

extension WebHandler {
    public func respondNow(to request: WebRequest) -> WebImmediateAnswer { .later }
}
