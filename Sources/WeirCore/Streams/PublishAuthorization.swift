/// The answer to a publish authorisation: known at once (keys), or after asking someone (an
/// HTTP hook). Most publishes are decided at once, so ingests stay on their event loop and only
/// hop to a task when there is really something to wait for.
public enum PublishAuthorization: Sendable {
    /// nil allows; a refusal refuses.
    case decided(PublishRefusal?)
    /// Call to find out; it may take up to the hook's timeout.
    case pending(@Sendable () async -> PublishRefusal?)
}
