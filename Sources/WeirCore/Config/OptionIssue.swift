/// A problem a module finds in its own options, beyond what their types can say.
///
/// Returned from ``ModuleDescriptor/validate``; the loader turns each into a ``ConfigError``
/// at the location of `key` (or of the module entry when `key` is nil).
public struct OptionIssue: Sendable, Hashable {
    /// The option the problem is about, or nil for the module entry as a whole.
    public var key: String?
    public var message: String

    public init(key: String? = nil, _ message: String) {
        self.key = key
        self.message = message
    }
}
