import WeirCore

/// What a route asks of the SRT connections it takes: encryption and latency.
struct SRTRouteSettings: Sendable, Equatable {
    var routeName: String
    /// Nil when the route's streams are not encrypted.
    var passphrase: String?
    /// 0 lets the caller choose; otherwise 16, 24 or 32.
    var keyLength: Int32
    var latencyMilliseconds: Int32

    /// - Parameters:
    ///   - route: the route that matched the caller's stream path.
    ///   - globalLatency: the latency of routes that set none.
    init(route: RouteConfiguration, globalLatency: ConfigDuration) {
        let options = route.ingest(named: SRTModule.name)?.options ?? OptionValues(specs: SRTModule.descriptor.options)
        routeName = route.name
        // Kept as written even if invalid: libsrt then refuses to set it and the caller is
        // refused, rather than let in unencrypted.
        passphrase = options.string("passphrase")
        keyLength = options.string("pbkeylen").flatMap { Int32($0) }.flatMap { [0, 16, 24, 32].contains($0) ? $0 : nil } ?? 0
        let latency = min(max(options.duration("latency") ?? globalLatency, .zero), SRTModule.maximumLatency)
        latencyMilliseconds = Int32(clamping: latency.microseconds / 1000)
    }
}
