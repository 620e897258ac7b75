import Synchronization

/// Counts refusals by reason (no route, busy, unauthorized, limits), for metrics.
final class RefusalCounter: Sendable {
    private let counts = Mutex<[String: Int64]>([:])

    func count(_ reason: String) {
        counts.withLock { $0[reason, default: 0] += 1 }
    }

    var snapshot: [String: Int64] { counts.withLock { $0 } }
}
