import NIOCore
import Synchronization
import WeirCore

/// The HTTP server's limits, changeable by a reload without touching the listener.
final class HTTPLimits: Sendable {
    struct Settings: Sendable, Equatable {
        var maxConnectionsPerAddress = 1024
        var idleTimeout = TimeAmount.seconds(60)
        var maxRequestTarget = 8192

        init() {}

        init(options: OptionValues) {
            maxConnectionsPerAddress = options.integer("max_connections_per_address") ?? maxConnectionsPerAddress
            idleTimeout = options.duration("idle_timeout").map { .microseconds($0.microseconds) } ?? idleTimeout
            maxRequestTarget = options.integer("max_request_target") ?? maxRequestTarget
        }
    }

    private struct State {
        var settings: Settings
        var connections: [String: Int] = [:]
        var refusedConnections: Int64 = 0
    }

    private let state: Mutex<State>

    init(_ settings: Settings) {
        state = Mutex(State(settings: settings))
    }

    var settings: Settings {
        get { state.withLock { $0.settings } }
        set { state.withLock { $0.settings = newValue } }
    }

    var refusedConnections: Int64 { state.withLock { $0.refusedConnections } }

    /// Counts a new connection from `address`, or refuses it when the address has too many.
    func admit(_ address: String) -> Bool {
        state.withLock { s in
            let open = s.connections[address, default: 0]
            if s.settings.maxConnectionsPerAddress > 0, open >= s.settings.maxConnectionsPerAddress {
                s.refusedConnections += 1
                return false
            }
            s.connections[address] = open + 1
            return true
        }
    }

    func release(_ address: String) {
        state.withLock { s in
            let open = s.connections[address, default: 1] - 1
            s.connections[address] = open > 0 ? open : nil
        }
    }
}
