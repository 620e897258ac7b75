/// One resolved route: which stream paths it takes, from which ingest modules, and what it does with them.
///
/// Equality ignores source locations, so moving a route between files is not a change.
public struct RouteConfiguration: Sendable, Hashable {
    /// Unique across all route files.
    public var name: String
    /// Which stream paths this route takes.
    public var pattern: StreamPathPattern
    /// Names of the ingest modules that may publish to this route, e.g. `["rtmp"]`.
    public var ingest: [String]
    /// The ingest entries with their route-level options (an entry written as a bare name has
    /// its module's defaults).
    public var ingestModules: [ModuleInstance]
    /// Processing modules in the order written.
    public var process: [ModuleInstance]
    /// Output modules in the order written.
    public var outputs: [ModuleInstance]
    /// Route-level settings such as `reconnect_window`, with their defaults filled in.
    public var settings: OptionValues
    /// Where the route's mapping starts.
    public var location: SourceLocation

    public init(
        name: String,
        pattern: StreamPathPattern,
        ingest: [String],
        ingestModules: [ModuleInstance] = [],
        process: [ModuleInstance] = [],
        outputs: [ModuleInstance],
        settings: OptionValues = OptionValues(),
        location: SourceLocation
    ) {
        self.name = name
        self.pattern = pattern
        self.ingest = ingest
        self.ingestModules = ingestModules
        self.process = process
        self.outputs = outputs
        self.settings = settings
        self.location = location
    }

    /// The output entry for module `name`, if the route has one.
    public func ingest(named name: String) -> ModuleInstance? {
        ingestModules.first { $0.name == name }
    }

    public func output(named name: String) -> ModuleInstance? {
        outputs.first { $0.name == name }
    }

    /// The first processing entry for module `name`, if the route has one.
    public func process(named name: String) -> ModuleInstance? {
        process.first { $0.name == name }
    }

    public static func == (lhs: RouteConfiguration, rhs: RouteConfiguration) -> Bool {
        lhs.name == rhs.name && lhs.pattern == rhs.pattern && lhs.ingest == rhs.ingest && lhs.ingestModules == rhs.ingestModules
            && lhs.process == rhs.process && lhs.outputs == rhs.outputs && lhs.settings == rhs.settings
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(pattern)
        hasher.combine(ingest)
        hasher.combine(process)
        hasher.combine(outputs)
    }
}
