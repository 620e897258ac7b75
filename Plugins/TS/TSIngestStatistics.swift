/// Totals of the MPEG-TS ingest since it started, ended sessions included.
public struct TSIngestStatistics: Sendable, Equatable {
    /// Publishes granted.
    public var sessionsOpened: Int = 0
    /// Sessions live right now.
    public var sessionsActive: Int = 0
    /// Sources turned away: the router refused the publish, or a TCP listener already had its
    /// publisher.
    public var refused: Int = 0
    /// UDP datagrams dropped because another source owned the listener's session, or while a
    /// refused source waited to be retried.
    public var ignoredDatagrams: Int = 0
    /// Sessions ended because their source went silent.
    public var idleTimeouts: Int = 0
    /// The sum of every session's counters.
    public var counters = TSSessionCounters()

    public init() {}
}
