/// libsrt's view of one connection: the link's health as the receiver sees it.
///
/// Counters are totals since the connection started; rates and the round-trip time are
/// libsrt's current estimates. Sampled about once a second.
public struct SRTStatistics: Sendable, Equatable {
    /// Smoothed round-trip time, in milliseconds.
    public var roundTripMilliseconds: Double = 0
    /// Receive rate, in megabits per second.
    public var receiveRateMbps: Double = 0
    /// Estimated link capacity, in megabits per second.
    public var bandwidthMbps: Double = 0
    /// The receive latency agreed with the caller, in milliseconds.
    public var latencyMilliseconds: Int = 0
    public var packetsReceived: Int64 = 0
    public var bytesReceived: UInt64 = 0
    /// Packets reported missing (each later retransmitted or dropped).
    public var packetsLost: Int64 = 0
    /// Retransmitted packets that arrived.
    public var packetsRetransmitted: Int64 = 0
    /// Packets given up on because they arrived too late to play.
    public var packetsDropped: Int64 = 0
    /// Packets that could not be decrypted.
    public var packetsUndecrypted: Int64 = 0

    public init() {}
}
