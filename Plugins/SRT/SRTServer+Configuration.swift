public import WeirCore

extension SRTServer {
    /// The listener's settings, read from the module's global options, and the routes that the
    /// listener consults while a caller is still handshaking.
    public struct Configuration: Sendable, Equatable {
        public var listen: ConfigAddress
        /// Receive latency of routes that set none.
        public var latency: ConfigDuration
        /// Publishers connected at once; callers beyond are refused.
        public var maxConnections: Int
        /// How long a connected publisher may send nothing; nil when disabled.
        public var idleTimeout: ConfigDuration?
        /// The routes: which paths take SRT, and each route's passphrase and latency.
        public var routes: RouteTable

        public init(
            listen: ConfigAddress = SRTModule.defaultListen,
            latency: ConfigDuration = SRTModule.defaultLatency,
            maxConnections: Int = SRTModule.defaultMaxConnections,
            idleTimeout: ConfigDuration? = SRTModule.defaultIdleTimeout,
            routes: RouteTable
        ) {
            self.listen = listen
            self.latency = min(max(latency, .zero), SRTModule.maximumLatency)
            self.maxConnections = max(1, maxConnections)
            self.idleTimeout = idleTimeout.flatMap { $0.microseconds > 0 ? $0 : nil }
            self.routes = routes
        }

        /// Reads the options of ``SRTModule/descriptor``; absent keys take the schema defaults.
        ///
        /// - Parameters:
        ///   - options: the `ingest: srt:` mapping of the main configuration.
        ///   - routes: the route table, which a reload replaces through ``SRTServer/update(configuration:)``.
        public init(options: OptionValues, routes: RouteTable) {
            let defaults = OptionValues(specs: SRTModule.descriptor.globalOptions)
            func value<T>(_ read: (OptionValues) -> T?) -> T? { read(options) ?? read(defaults) }
            self.init(
                listen: value { $0.address("listen") } ?? SRTModule.defaultListen,
                latency: value { $0.duration("latency") } ?? SRTModule.defaultLatency,
                maxConnections: value { $0.integer("max_connections") } ?? SRTModule.defaultMaxConnections,
                idleTimeout: value { $0.duration("idle_timeout") } ?? SRTModule.defaultIdleTimeout,
                routes: routes)
        }
    }
}
