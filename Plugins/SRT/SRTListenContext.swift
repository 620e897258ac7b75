import CSRT
import Dispatch
import Logging
import Synchronization
import WeirCore

/// What the listen callback, the receive thread and the server's public API share.
///
/// The listen callback runs on a libsrt thread, in the middle of a handshake: it reads the
/// configuration and the session table here, decides synchronously, and never blocks on
/// anything but this lock.
final class SRTListenContext: Sendable {
    private struct State {
        var configuration: SRTServer.Configuration
        var sessions: [Int32: SRTSessionSnapshot] = [:]
        /// Sessions the server asked to drop (taken over, route removed); the receive thread
        /// closes them, so that only it touches session sockets.
        var closeRequests: [(id: Int32, reason: String)] = []
        var rejections: [SRTRejectReason: Int] = [:]
    }

    let logger: Logger
    private let state: Mutex<State>
    /// Set by ``SRTServer/stop()``; the receive thread checks it between waits.
    let stopRequested = Atomic<Bool>(false)
    /// Wakes the receive thread from its idle wait: a caller was admitted, a close or a stop
    /// was asked for.
    let wake = DispatchSemaphore(value: 0)

    init(configuration: SRTServer.Configuration, logger: Logger) {
        self.state = Mutex(State(configuration: configuration))
        self.logger = logger
    }

    var configuration: SRTServer.Configuration {
        get { state.withLock { $0.configuration } }
        set { state.withLock { $0.configuration = newValue } }
    }

    var sessions: [SRTSessionSnapshot] { state.withLock { Array($0.sessions.values) } }

    var rejections: [SRTRejectReason: Int] { state.withLock { $0.rejections } }

    func record(_ snapshot: SRTSessionSnapshot) {
        state.withLock { $0.sessions[snapshot.id] = snapshot }
    }

    func forget(_ id: Int32) {
        state.withLock { _ = $0.sessions.removeValue(forKey: id) }
    }

    func requestClose(_ id: Int32, reason: String) {
        state.withLock { $0.closeRequests.append((id, reason)) }
        wake.signal()
    }

    func takeCloseRequests() -> [(id: Int32, reason: String)] {
        state.withLock { s in
            defer { s.closeRequests.removeAll() }
            return s.closeRequests
        }
    }

    func countRejection(_ reason: SRTRejectReason) {
        state.withLock { $0.rejections[reason, default: 0] += 1 }
    }

    /// Decides on a caller from the listen callback.
    ///
    /// - Parameters:
    ///   - socket: the socket libsrt is setting up for the caller; options set on it apply to the
    ///     connection.
    ///   - peer: the caller's address.
    ///   - streamID: the caller's stream id, NUL-terminated, or nil.
    /// - Returns: 0 to let the handshake go on, -1 to refuse it (the reason is set on `socket`).
    func admit(socket: SRTSOCKET, peer: UnsafePointer<sockaddr>?, streamID: UnsafePointer<CChar>?) -> Int32 {
        let remote = SRTSocketAddress.describe(peer)
        let text: String?
        if let streamID {
            guard let decoded = String(validatingCString: streamID) else {
                return reject(socket, SRTAdmission.Rejection(reason: .badRequest, message: SRTStreamIDError.unreadable.description), remote: remote, streamID: "?")
            }
            text = decoded
        } else {
            text = nil
        }
        let now = ContinuousClock.now
        let decision = state.withLock { s in
            SRTAdmission.decide(streamID: text, configuration: s.configuration, connections: s.sessions.count) { path, route in
                Self.holds(path, route: route, sessions: s.sessions.values, now: now)
            }
        }
        switch decision {
        case .failure(let rejection):
            return reject(socket, rejection, remote: remote, streamID: text ?? "")
        case .success(let grant):
            if let failure = apply(grant.settings, to: socket) {
                return reject(socket, SRTAdmission.Rejection(reason: .internalError, message: failure), remote: remote, streamID: text ?? "")
            }
            logger.debug("SRT caller admitted", metadata: [
                "remote": "\(remote)", "stream": "\(grant.streamID.path)", "route": "\(grant.settings.routeName)",
                "latency_ms": "\(grant.settings.latencyMilliseconds)", "encrypted": "\(grant.settings.passphrase != nil)",
            ])
            return 0
        }
    }

    /// Whether a session of this server holds `path` so that a newcomer cannot take it over.
    ///
    /// A route with `takeover_after` lets a publisher replace one that has been silent that long;
    /// the router decides that case after the handshake.
    private static func holds(
        _ path: StreamPath, route: RouteConfiguration, sessions: Dictionary<Int32, SRTSessionSnapshot>.Values, now: ContinuousClock.Instant
    ) -> Bool {
        let takeover = route.settings.duration("takeover_after") ?? .zero
        return sessions.contains { session in
            guard session.path == path else { return false }
            guard takeover.microseconds > 0 else { return true }
            return now - session.lastReceived < .microseconds(takeover.microseconds)
        }
    }

    /// Sets the route's latency and encryption on the caller's socket.
    ///
    /// - Returns: nil, or what failed.
    private func apply(_ settings: SRTRouteSettings, to socket: SRTSOCKET) -> String? {
        guard weir_srt_set_int(socket, SRTO_RCVLATENCY, settings.latencyMilliseconds) == 0 else {
            return SRTError.last("set latency").description
        }
        if let passphrase = settings.passphrase {
            let length = Int32(clamping: passphrase.utf8.count)
            let status = passphrase.withCString { weir_srt_set_string(socket, SRTO_PASSPHRASE, $0, length) }
            guard status == 0 else {
                // Never let the caller in unencrypted because the passphrase could not be set.
                return SRTError.last("set passphrase").description
            }
            if settings.keyLength != 0, weir_srt_set_int(socket, SRTO_PBKEYLEN, settings.keyLength) != 0 {
                return SRTError.last("set pbkeylen").description
            }
        }
        return nil
    }

    private func reject(_ socket: SRTSOCKET, _ rejection: SRTAdmission.Rejection, remote: String, streamID: String) -> Int32 {
        if srt_setrejectreason(socket, rejection.reason.rawValue) != 0 {
            logger.debug("could not set the SRT reject reason", metadata: ["error": "\(SRTError.last("set reject reason"))"])
        }
        countRejection(rejection.reason)
        logger.warning("SRT caller refused", metadata: [
            "remote": "\(remote)", "streamid": "\(streamID.debugDescription)", "reason": "\(rejection.reason)",
            "detail": "\(rejection.message)",
        ])
        return -1
    }
}
