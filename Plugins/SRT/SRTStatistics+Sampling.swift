import CSRT

extension SRTStatistics {
    /// The receiver's figures of libsrt's statistics.
    init(_ performance: SRT_TRACEBSTATS) {
        self.init()
        roundTripMilliseconds = Self.finite(performance.msRTT)
        receiveRateMbps = Self.finite(performance.mbpsRecvRate)
        bandwidthMbps = Self.finite(performance.mbpsBandwidth)
        latencyMilliseconds = Int(performance.msRcvTsbPdDelay)
        packetsReceived = performance.pktRecvTotal
        bytesReceived = performance.byteRecvTotal
        packetsLost = Int64(performance.pktRcvLossTotal)
        // Never cleared, so libsrt's "local" counter is a total too.
        packetsRetransmitted = Int64(performance.pktRcvRetrans)
        packetsDropped = Int64(performance.pktRcvDropTotal)
        packetsUndecrypted = Int64(performance.pktRcvUndecryptTotal)
    }

    private static func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }
}
