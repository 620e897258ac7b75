import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP, which `systemctl reload weir` and `weir reload` send.
///
/// A service of its own so that a reload never races the graceful shutdown: reloads are
/// handled one at a time, and the sequence ends when the server drains.
struct ReloadService: Service {
    let reload: @Sendable () async -> Void

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }
}
