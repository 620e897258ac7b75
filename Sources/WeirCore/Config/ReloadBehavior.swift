/// When a running server can apply a changed option value.
///
/// The reload diff reads this to decide what a configuration change costs: a live stream
/// can take some changes without noticing, others wait for the next publish, and a few
/// need a listener to be rebound.
public enum ReloadBehavior: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A live stream takes the change at its next segment boundary.
    case live
    /// The change applies from the next publish of a stream; running streams keep the old value.
    case nextPublish = "next-publish"
    /// The change needs a listener rebind or a restart.
    case restart

    public var description: String { rawValue }
}
