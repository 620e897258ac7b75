/// What ingest modules ask to start a publish.
///
/// Implemented by the host: it matches routes, checks that the path is free, builds the
/// stream's chain and hands back a ``Publication``. It is synchronous because ingest sessions
/// (RTMP on an event loop, SRT on libsrt's listener thread) must decide without suspending.
public protocol StreamRouter: Sendable {
    /// Checks the publisher's credentials (keys, an authorisation hook) before anything is
    /// claimed. Ingests call it before ``openPublish(_:)``.
    func authorize(_ request: PublishRequest) -> PublishAuthorization

    func openPublish(_ request: PublishRequest) -> Result<Publication, PublishRefusal>
}

extension StreamRouter {
    public func authorize(_ request: PublishRequest) -> PublishAuthorization { .decided(nil) }
}
