public import Logging

/// The whole resolved configuration: main settings, every module's global options, and the routes.
///
/// Produced by the host's loader only when every file validated; a running server swaps the
/// whole value on reload.
public struct WeirConfiguration: Sendable {
    /// The main configuration file, as named on the command line.
    public var mainFile: String
    /// The directory whose `*.yaml` files hold the routes.
    public var includeDirectory: String
    /// Every file read: the main file first, then the route files in name order.
    public var sourceFiles: [String]
    public var logLevel: Logger.Level
    /// Where the HTTP server listens.
    public var httpListen: ConfigAddress
    /// Global options of every registered module, keyed by module name, defaults filled in.
    public var moduleOptions: [String: OptionValues]
    /// Routes in priority order.
    public var routes: [RouteConfiguration]
    /// Every key of the main file, resolved with defaults (`http`, `limits`, …).
    public var mainOptions: OptionValues

    public init(
        mainFile: String,
        includeDirectory: String,
        sourceFiles: [String],
        logLevel: Logger.Level,
        httpListen: ConfigAddress,
        moduleOptions: [String: OptionValues],
        routes: [RouteConfiguration],
        mainOptions: OptionValues = OptionValues()
    ) {
        self.mainFile = mainFile
        self.includeDirectory = includeDirectory
        self.sourceFiles = sourceFiles
        self.logLevel = logLevel
        self.httpListen = httpListen
        self.moduleOptions = moduleOptions
        self.routes = routes
        self.mainOptions = mainOptions
    }

    /// The global options of module `name` (e.g. RTMP's listen address); empty for an unknown module.
    public func globalOptions(for name: String) -> OptionValues {
        moduleOptions[name] ?? OptionValues()
    }

    /// The routes as a lookup table.
    public var routeTable: RouteTable { RouteTable(routes: routes) }
}
