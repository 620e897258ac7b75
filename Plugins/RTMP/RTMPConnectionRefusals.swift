import Synchronization

/// Connections the RTMP listener closed before they could publish, by reason, for metrics.
///
/// One instance can outlive a server: the host hands the same counters to the server that
/// replaces a moved listener, so the exported counters never go backwards on a reload.
public final class RTMPConnectionRefusals: Sendable {
    public enum Reason: String, Sendable, CaseIterable {
        /// Closed at accept because the address already had `max_connections_per_address` open.
        case perAddress = "per_address"
        /// Accepted, but the handshake did not complete within `handshake_timeout`.
        case handshakeTimeout = "handshake_timeout"
    }

    private let perAddress = Atomic<Int64>(0)
    private let handshakeTimeout = Atomic<Int64>(0)

    public init() {}

    public func count(_ reason: Reason) {
        switch reason {
        case .perAddress: perAddress.add(1, ordering: .relaxed)
        case .handshakeTimeout: handshakeTimeout.add(1, ordering: .relaxed)
        }
    }

    public subscript(_ reason: Reason) -> Int64 {
        switch reason {
        case .perAddress: perAddress.load(ordering: .relaxed)
        case .handshakeTimeout: handshakeTimeout.load(ordering: .relaxed)
        }
    }
}
