import Synchronization

/// The live sessions of one ingest and the totals of the ended ones.
final class TSSessionRegistry: Sendable {
    private struct State {
        var active: [ObjectIdentifier: TSSession] = [:]
        var statistics = TSIngestStatistics()
    }

    private let state = Mutex(State())

    func opened(_ session: TSSession) {
        state.withLock { s in
            s.active[ObjectIdentifier(session)] = session
            s.statistics.sessionsOpened += 1
        }
    }

    func ended(_ session: TSSession, reason: TSSessionEnd, counters: TSSessionCounters) {
        state.withLock { s in
            guard s.active.removeValue(forKey: ObjectIdentifier(session)) != nil else { return }
            s.statistics.counters = s.statistics.counters + counters
            if reason == .idle { s.statistics.idleTimeouts += 1 }
        }
    }

    func refused() {
        state.withLock { $0.statistics.refused += 1 }
    }

    func ignoredDatagrams(_ count: Int) {
        state.withLock { $0.statistics.ignoredDatagrams += count }
    }

    var activeSessions: [TSSession] { state.withLock { Array($0.active.values) } }

    var statistics: TSIngestStatistics {
        let (ended, active) = state.withLock { ($0.statistics, Array($0.active.values)) }
        var result = ended
        result.sessionsActive = active.count
        for session in active { result.counters = result.counters + session.counters }
        return result
    }
}
