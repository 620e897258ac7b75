import Synchronization

/// Counts HTTP responses by status code and remembers recent viewers per stream.
final class HTTPStatistics: Sendable {
    private struct State {
        var byStatus: [Int: Int64] = [:]
        /// Last playlist request per (stream path, client address).
        var viewers: [String: [String: ContinuousClock.Instant]] = [:]
    }

    private let state = Mutex(State())
    /// A client counts as a viewer of a stream while it fetched a playlist this recently.
    static let viewerWindow = Duration.seconds(15)

    func record(status: Int) {
        state.withLock { $0.byStatus[status, default: 0] += 1 }
    }

    func recordPlaylist(stream: String, client: String) {
        let now = ContinuousClock.now
        state.withLock { s in
            s.viewers[stream, default: [:]][client] = now
        }
    }

    var statusCounts: [Int: Int64] { state.withLock { $0.byStatus } }

    /// Distinct recent viewers per stream path; forgets the ones gone quiet.
    func viewers() -> [String: Int] {
        let horizon = ContinuousClock.now - Self.viewerWindow
        return state.withLock { s in
            var counts: [String: Int] = [:]
            for (stream, clients) in s.viewers {
                let recent = clients.filter { $0.value >= horizon }
                if recent.isEmpty {
                    s.viewers[stream] = nil
                } else {
                    s.viewers[stream] = recent
                    counts[stream] = recent.count
                }
            }
            return counts
        }
    }
}
