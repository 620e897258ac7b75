import Synchronization

/// Counts refusals by reason (no route, busy, unauthorized, limits, connections), for metrics.
public final class RefusalCounter: Sendable {
    private let counts = Mutex<[String: Int64]>([:])

    public init() {}

    public func count(_ reason: String) {
        counts.withLock { $0[reason, default: 0] += 1 }
    }

    public subscript(_ reason: String) -> Int64 { counts.withLock { $0[reason] ?? 0 } }

    public var snapshot: [String: Int64] { counts.withLock { $0 } }
}
