public import WeirCore

/// One connected SRT publisher, as the server last sampled it.
public struct SRTSessionSnapshot: Sendable {
    /// libsrt's socket id: unique among the server's live sessions.
    public var id: Int32
    public var path: StreamPath
    public var routeName: String
    public var remoteAddress: String
    public var connectedAt: ContinuousClock.Instant
    /// When the session last received a message, as of the last sample.
    public var lastReceived: ContinuousClock.Instant
    public var statistics: SRTStatistics
    public var counters: SRTSessionCounters

    public init(
        id: Int32, path: StreamPath, routeName: String, remoteAddress: String, connectedAt: ContinuousClock.Instant,
        lastReceived: ContinuousClock.Instant, statistics: SRTStatistics = SRTStatistics(),
        counters: SRTSessionCounters = SRTSessionCounters()
    ) {
        self.id = id
        self.path = path
        self.routeName = routeName
        self.remoteAddress = remoteAddress
        self.connectedAt = connectedAt
        self.lastReceived = lastReceived
        self.statistics = statistics
        self.counters = counters
    }
}
