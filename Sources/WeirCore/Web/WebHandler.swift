/// A module's HTTP endpoints. The host's server asks each handler in turn.
public protocol WebHandler: Sendable {
    /// Answers `request`, or returns nil when the path is not this handler's.
    func respond(to request: WebRequest) async -> WebResponse?
}
