/// One module entry of a route, such as `- hls: { segment: 2s }`, with its resolved options.
///
/// Equality ignores the source location.
public struct ModuleInstance: Sendable, Hashable {
    /// The module name, e.g. `hls`.
    public var name: String
    public var kind: ModuleKind
    /// Route-level options, defaults filled in.
    public var options: OptionValues
    /// Where the entry's module name was written.
    public var location: SourceLocation

    public init(name: String, kind: ModuleKind, options: OptionValues, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.options = options
        self.location = location
    }

    public static func == (lhs: ModuleInstance, rhs: ModuleInstance) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.options == rhs.options
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(kind)
        hasher.combine(options)
    }
}
