import CSRT
import Dispatch
import Glibc
import Logging
import WeirCore

/// The server's one receive thread: it accepts callers and reads every publisher's socket.
///
/// One `srt_epoll_uwait` covers the listener and all sessions, so many publishers cost one
/// thread, not one each. Every session socket is touched only here (other threads ask through
/// ``SRTListenContext/requestClose(_:reason:)``), which is what makes the sessions' plain,
/// unlocked state safe. The wait has a short timeout so that a stop request, close requests and
/// the statistics sampling are noticed without any wake-up mechanism.
///
/// With no session the thread sleeps on ``SRTListenContext/wake`` instead: libsrt's epoll wait
/// polls every 10 ms inside, which an idle server would pay for all day. The listen callback
/// wakes it when it admits a caller, and it keeps waiting on the epoll for
/// ``handshakeGrace`` after that, long enough for the handshake to finish and the caller to be
/// accepted.
final class SRTReceiveLoop: @unchecked Sendable {
    static let waitMilliseconds: Int64 = 100
    static let handshakeGrace = Duration.seconds(5)
    /// How often an idle thread still looks at the listener, so that a failure or a caller the
    /// wake-up missed is noticed.
    static let idleCheckInterval = DispatchTimeInterval.seconds(1)
    static let sampleInterval = Duration.seconds(1)
    static let maxEventsPerWait = 64
    /// Messages read from one socket per wake-up, so that one busy publisher cannot starve others.
    static let maxMessagesPerWakeup = 256
    /// Larger than libsrt's largest live payload (1456 bytes).
    static let messageCapacity = 1500
    /// libsrt's stream id limit is 512 bytes; one more for its terminator.
    static let streamIDCapacity = 600

    private let listener: SRTSOCKET
    private let epoll: Int32
    private let context: SRTListenContext
    private let router: any StreamRouter
    private let logger: Logger
    private var sessions: [SRTSOCKET: SRTSession] = [:]
    /// The listener reported an error: it no longer waits for callers, so that a broken listener
    /// does not wake the loop on every wait.
    private var listenerFailed = false
    private var events: [SRT_EPOLL_EVENT]
    private let message: UnsafeMutablePointer<CChar>

    init(listener: SRTSOCKET, epoll: Int32, context: SRTListenContext, router: any StreamRouter, logger: Logger) {
        self.listener = listener
        self.epoll = epoll
        self.context = context
        self.router = router
        self.logger = logger
        self.events = Array(repeating: SRT_EPOLL_EVENT(), count: Self.maxEventsPerWait)
        self.message = .allocate(capacity: Self.messageCapacity)
    }

    deinit {
        message.deallocate()
    }

    /// Runs until the context's stop flag is set, then closes the listener and every session.
    func run() {
        var nextSample = ContinuousClock.now + Self.sampleInterval
        var awakeUntil = ContinuousClock.now
        while !context.stopRequested.load(ordering: .acquiring) {
            var timeout = Self.waitMilliseconds
            if sessions.isEmpty, ContinuousClock.now >= awakeUntil {
                if context.wake.wait(timeout: .now() + Self.idleCheckInterval) == .success {
                    awakeUntil = ContinuousClock.now + Self.handshakeGrace
                    continue
                }
                timeout = 0
            }
            let ready = events.withUnsafeMutableBufferPointer { buffer in
                srt_epoll_uwait(epoll, buffer.baseAddress, Int32(buffer.count), timeout)
            }
            if ready < 0 {
                let error = SRTError.last("epoll wait")
                if error.code != SRT_ETIMEOUT.rawValue {
                    logger.warning("SRT wait failed", metadata: ["error": "\(error)"])
                    // Pace a persistent failure like a timed-out wait instead of spinning.
                    usleep(useconds_t(Self.waitMilliseconds * 1000))
                }
            }
            let now = ContinuousClock.now
            for index in 0..<max(0, min(Int(ready), events.count)) {
                handle(events[index], now: now)
            }
            for request in context.takeCloseRequests() {
                if let session = sessions[request.id] {
                    endSession(session, reason: request.reason, lost: false)
                }
            }
            if now >= nextSample {
                sample(now: now)
                nextSample = now + Self.sampleInterval
            }
        }
        shutDown()
    }

    private func handle(_ event: SRT_EPOLL_EVENT, now: ContinuousClock.Instant) {
        if event.fd == listener {
            if event.events & weir_srt_epoll_err() != 0, !listenerFailed {
                listenerFailed = true
                _ = srt_epoll_remove_usock(epoll, listener)
                logger.error("SRT listener failed; no new publishers are accepted", metadata: [
                    "state": "\(srt_getsockstate(listener).rawValue)",
                ])
                return
            }
            acceptOne()
            return
        }
        guard let session = sessions[event.fd] else {
            // A socket whose session already ended.
            _ = srt_epoll_remove_usock(epoll, event.fd)
            return
        }
        if event.events & weir_srt_epoll_in() != 0 {
            read(session, now: now)
        }
        if event.events & weir_srt_epoll_err() != 0, sessions[event.fd] != nil {
            endSession(session, reason: "connection closed", lost: true)
        }
    }

    // MARK: Accepting

    /// Accepts one caller; the epoll reports the listener again while more are waiting.
    private func acceptOne() {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let (socket, remote) = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                let socket = srt_accept(listener, address, &length)
                return (socket, socket == SRT_INVALID_SOCK ? "" : SRTSocketAddress.describe(address))
            }
        }
        guard socket != SRT_INVALID_SOCK else {
            logger.debug("SRT accept failed", metadata: ["error": "\(SRTError.last("accept"))"])
            return
        }
        start(socket, remote: remote)
    }

    /// Opens the publication of a connected caller; the listen callback already checked it.
    private func start(_ socket: SRTSOCKET, remote: String) {
        var log = logger
        log[metadataKey: "remote"] = .string(remote)
        guard let text = streamID(of: socket) else {
            log.warning("SRT connection without a readable stream id; closing")
            _ = srt_close(socket)
            return
        }
        let streamID: SRTStreamID
        do {
            streamID = try SRTStreamID(parsing: text)
        } catch {
            log.warning("SRT connection with a bad stream id; closing", metadata: ["error": "\(error)"])
            _ = srt_close(socket)
            return
        }
        log[metadataKey: "stream"] = .string(streamID.path.description)
        guard weir_srt_set_bool(socket, SRTO_RCVSYN, 0) == 0 else {
            log.warning("SRT connection cannot be made non-blocking; closing", metadata: ["error": "\(SRTError.last("set rcvsyn"))"])
            _ = srt_close(socket)
            return
        }
        let request = PublishRequest(path: streamID.path, ingest: SRTModule.name, query: streamID.parameters, remoteAddress: remote)
        let publication: Publication
        switch router.openPublish(request) {
        case .success(let granted):
            publication = granted
        case .failure(let refusal):
            // The handshake is over: the caller can no longer be told why, only disconnected.
            context.countRejection(SRTRejectReason(refusal))
            log.warning("SRT publish refused after the handshake; closing", metadata: ["reason": "\(refusal)"])
            _ = srt_close(socket)
            return
        }
        let routeName = publication.stream.routeName
        let session = SRTSession(
            socket: socket, path: streamID.path, routeName: routeName, remoteAddress: remote, publication: publication, logger: log)
        sessions[socket] = session
        context.record(session.snapshot)
        var wanted = weir_srt_epoll_read_events()
        guard srt_epoll_add_usock(epoll, socket, &wanted) == 0 else {
            log.error("cannot watch an SRT connection", metadata: ["error": "\(SRTError.last("epoll add"))"])
            endSession(session, reason: "cannot watch the connection", lost: false)
            return
        }
        let context = self.context
        publication.onDisconnect { reason in
            context.requestClose(socket, reason: reason)
        }
        log.info("SRT publish started", metadata: ["route": "\(routeName)"])
    }

    private func streamID(of socket: SRTSOCKET) -> String? {
        var buffer = [CChar](repeating: 0, count: Self.streamIDCapacity)
        let length = weir_srt_get_stream_id(socket, &buffer, Int32(buffer.count))
        guard length >= 0, length < buffer.count else { return nil }
        let bytes = buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }
        return String(validating: bytes, as: UTF8.self)
    }

    // MARK: Reading

    private func read(_ session: SRTSession, now: ContinuousClock.Instant) {
        var received = false
        for _ in 0..<Self.maxMessagesPerWakeup {
            let count = srt_recvmsg(session.socket, message, Int32(Self.messageCapacity))
            if count > 0 {
                received = true
                session.receive(UnsafeRawBufferPointer(start: message, count: min(Int(count), Self.messageCapacity)))
                continue
            }
            if count < 0 {
                let error = SRTError.last("receive")
                if error.code != weir_srt_error_async_receive() {
                    if received { session.touch(now) }
                    endSession(session, reason: "connection lost: \(error.message)", lost: true)
                    return
                }
            }
            break
        }
        if received { session.touch(now) }
    }

    // MARK: Housekeeping

    /// Refreshes every session's statistics, ends those whose socket libsrt closed without an
    /// epoll event, and disconnects publishers that send nothing.
    private func sample(now: ContinuousClock.Instant) {
        let idleTimeout = context.configuration.idleTimeout
        for session in Array(sessions.values) {
            let state = srt_getsockstate(session.socket)
            guard state == SRTS_CONNECTED, session.sampleStatistics() else {
                endSession(session, reason: "connection closed (state \(state.rawValue))", lost: true)
                continue
            }
            if let idleTimeout, now - session.lastReceived >= .microseconds(idleTimeout.microseconds) {
                endSession(session, reason: "nothing received for \(idleTimeout)", lost: true)
                continue
            }
            context.record(session.snapshot)
        }
    }

    private func endSession(_ session: SRTSession, reason: String, lost: Bool) {
        guard sessions.removeValue(forKey: session.socket) != nil else { return }
        _ = session.sampleStatistics()
        _ = srt_epoll_remove_usock(epoll, session.socket)
        _ = srt_close(session.socket)
        context.forget(session.socket)
        session.end(reason: reason, lost: lost)
    }

    private func shutDown() {
        _ = srt_epoll_remove_usock(epoll, listener)
        _ = srt_close(listener)
        for session in Array(sessions.values) {
            endSession(session, reason: "server stopping", lost: false)
        }
        _ = srt_epoll_release(epoll)
    }
}
