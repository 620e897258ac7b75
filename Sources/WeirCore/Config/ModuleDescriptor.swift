/// What the host needs to know about a module before it runs: its name, kind, and option schema.
///
/// Each plugin exposes one as a static value (e.g. `HLSModule.descriptor`); the host's module
/// registry lists them, and the loader validates configuration against them.
public struct ModuleDescriptor: Sendable {
    /// The name used in configuration, e.g. `rtmp` or `hls`.
    public var name: String
    public var kind: ModuleKind
    /// One line for `weir plugins` and the man pages.
    public var summary: String
    /// Options of the module's entry in a route, e.g. `hls: { segment: 2s }`.
    public var options: [OptionSpec]
    /// Options in the main configuration, under `ingest: NAME:`, `process: NAME:` or `outputs: NAME:`.
    public var globalOptions: [OptionSpec]
    /// Checks that go beyond each option's type, such as `part` not exceeding `segment`.
    ///
    /// Called with the resolved route-level options (defaults filled) only when they all type-checked.
    public var validate: (@Sendable (OptionValues) -> [OptionIssue])?

    /// - Parameters:
    ///   - name: The name used in configuration.
    ///   - kind: Ingest, process or output.
    ///   - summary: One line of documentation.
    ///   - options: Route-level option schema.
    ///   - globalOptions: Main-config option schema.
    ///   - validate: Cross-option checks of route-level options.
    public init(
        name: String,
        kind: ModuleKind,
        summary: String,
        options: [OptionSpec] = [],
        globalOptions: [OptionSpec] = [],
        validate: (@Sendable (OptionValues) -> [OptionIssue])? = nil
    ) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.options = options
        self.globalOptions = globalOptions
        self.validate = validate
    }
}
