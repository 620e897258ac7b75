import Logging
import NIOCore
import Synchronization
import WeirCore
import WeirFormats

/// One MPEG-TS source publishing one stream: a UDP listener's current sender, a TCP
/// connection or an HTTP upload.
///
/// Bytes go through the demuxer and the media adapter onto the stream's bus as they arrive.
/// The session watches its own silence: after the idle timeout without a byte it ends, which
/// for UDP is the only way a stream ends. Calls may come from any thread (a socket's event
/// loop, the idle timer, the router disconnecting the publisher), so the state sits behind a
/// lock; contention is nil in practice since one source feeds one session.
final class TSSession: Sendable {
    /// What every session of an ingest shares.
    struct Context: Sendable {
        var router: any StreamRouter
        var registry: TSSessionRegistry
        var logger: Logger
    }

    private struct State {
        var publisher: MPEGTSPublisher?
        var publication: Publication?
        var counters = TSSessionCounters()
        var lastActivity: NIODeadline
        var timer: Scheduled<Void>?
        var end: TSSessionEnd?
    }

    let path: StreamPath
    /// The remote address of the source, for logs.
    let source: String
    let idleTimeout: TimeAmount?
    private let eventLoop: any EventLoop
    private let registry: TSSessionRegistry
    private let logger: Logger
    private let onEnd: @Sendable (TSSessionEnd) -> Void
    private let state: Mutex<State>

    private init(
        path: StreamPath, source: String, idleTimeout: TimeAmount?, eventLoop: any EventLoop, registry: TSSessionRegistry,
        logger: Logger, onEnd: @escaping @Sendable (TSSessionEnd) -> Void
    ) {
        self.path = path
        self.source = source
        self.idleTimeout = idleTimeout
        self.eventLoop = eventLoop
        self.registry = registry
        self.logger = logger
        self.onEnd = onEnd
        self.state = Mutex(State(lastActivity: .now()))
    }

    /// Asks the router for the publish and starts a session on it.
    ///
    /// - Parameters:
    ///   - path: The stream path the source publishes.
    ///   - source: The source's address, for the router and the logs.
    ///   - transport: `udp`, `tcp` or `http`, for the logs.
    ///   - query: Parameters that came with the stream name, kept for authorisation.
    ///   - idleTimeout: Silence that ends the session; nil never ends it.
    ///   - eventLoop: Runs the idle timer.
    ///   - context: The router, the registry and the logger.
    ///   - onEnd: Called once, after the publication ended, from whichever thread ended it.
    static func open(
        path: StreamPath, source: String, transport: String, query: [String: String] = [:], idleTimeout: TimeAmount?,
        eventLoop: any EventLoop, context: Context, onEnd: @escaping @Sendable (TSSessionEnd) -> Void = { _ in }
    ) -> Result<TSSession, PublishRefusal> {
        var logger = context.logger
        logger[metadataKey: "stream"] = .string(path.description)
        logger[metadataKey: "remote"] = .string(source)
        logger[metadataKey: "transport"] = .string(transport)
        let request = PublishRequest(path: path, ingest: TSModule.descriptor.name, query: query, remoteAddress: source)
        let publication: Publication
        switch context.router.openPublish(request) {
        case .failure(let refusal):
            context.registry.refused()
            return .failure(refusal)
        case .success(let granted):
            publication = granted
        }
        let session = TSSession(
            path: path, source: source, idleTimeout: idleTimeout, eventLoop: eventLoop, registry: context.registry,
            logger: logger, onEnd: onEnd)
        session.state.withLock { s in
            s.publication = publication
            s.publisher = MPEGTSPublisher(publication: publication)
        }
        context.registry.opened(session)
        logger.info("publish started", metadata: [
            "idle_timeout": "\(idleTimeout.map { "\($0.nanoseconds / 1_000_000)ms" } ?? "off")",
        ])
        publication.onDisconnect { [weak session] reason in
            // Not from inside the call that asked, which may be this session's own publish.
            eventLoop.execute { session?.end(.disconnected(reason)) }
        }
        if let idleTimeout { session.armIdleTimer(after: idleTimeout) }
        return .success(session)
    }

    /// Feeds bytes from the source.
    ///
    /// - Parameters:
    ///   - bytes: A datagram, a TCP read or an upload chunk, at any TS packet alignment.
    ///   - datagram: Whether the bytes are one UDP datagram, for the counters.
    /// - Returns: false when the session has ended and the bytes were not used.
    @discardableResult
    func receive(_ bytes: ByteBuffer, datagram: Bool = false) -> Bool {
        state.withLock { s in
            guard s.end == nil, var publisher = s.publisher else { return false }
            s.publisher = nil
            s.lastActivity = .now()
            s.counters.bytesIn &+= UInt64(bytes.readableBytes)
            if datagram { s.counters.datagrams += 1 }
            MPEGTSPublisher.log(publisher.feed(bytes), to: logger)
            s.counters.media = publisher.counters
            s.publisher = publisher
            return true
        }
    }

    var isEnded: Bool { state.withLock { $0.end != nil } }

    /// Why the session ended, once it has.
    var endReason: TSSessionEnd? { state.withLock { $0.end } }

    var counters: TSSessionCounters { state.withLock { $0.counters } }

    /// Ends the session and its publication, once; later calls do nothing.
    func end(_ reason: TSSessionEnd) {
        let taken: (publication: Publication?, counters: TSSessionCounters, timer: Scheduled<Void>?)? = state.withLock { s in
            guard s.end == nil else { return nil }
            s.end = reason
            // What the demuxer still holds (the last PES has no successor to close it) is
            // published before the end, unless the server has already let the stream go.
            if case .disconnected = reason {
            } else if var publisher = s.publisher {
                MPEGTSPublisher.log(publisher.finish(), to: logger)
                s.counters.media = publisher.counters
            }
            s.publisher = nil
            let publication = s.publication
            s.publication = nil
            let timer = s.timer
            s.timer = nil
            return (publication, s.counters, timer)
        }
        guard let taken else { return }
        taken.timer?.cancel()
        switch reason {
        case .sourceFinished, .idle, .listenerClosed:
            taken.publication?.finish()
        case .connectionLost:
            taken.publication?.connectionLost()
        case .disconnected:
            break
        }
        registry.ended(self, reason: reason, counters: taken.counters)
        let counters = taken.counters
        logger.info("publish ended", metadata: [
            "reason": "\(reason)",
            "bytes_in": "\(counters.bytesIn)",
            "ts_packets": "\(counters.media.tsPackets)",
            "errors": "\(counters.media.errors)",
            "video_packets": "\(counters.media.videoPackets)",
            "audio_packets": "\(counters.media.audioPackets)",
            "dropped": "\(counters.media.dropped)",
            "discontinuities": "\(counters.media.discontinuities)",
        ])
        onEnd(reason)
    }

    // MARK: Idle timer

    /// Checks for silence after `delay`; rescheduled for the rest of the timeout while bytes
    /// keep coming, which costs one timer per timeout rather than one per datagram.
    private func armIdleTimer(after delay: TimeAmount) {
        let task = eventLoop.scheduleTask(in: delay) { [weak self] () -> Void in
            self?.checkIdle()
        }
        let ended = state.withLock { s in
            guard s.end == nil else { return true }
            s.timer = task
            return false
        }
        if ended { task.cancel() }
    }

    private func checkIdle() {
        guard let idleTimeout else { return }
        let remaining: TimeAmount? = state.withLock { s in
            guard s.end == nil else { return nil }
            s.timer = nil
            return idleTimeout - (NIODeadline.now() - s.lastActivity)
        }
        guard let remaining else { return }
        if remaining <= .zero {
            logger.warning("nothing received for the idle timeout; ending the stream", metadata: [
                "idle_timeout": "\(idleTimeout.nanoseconds / 1_000_000)ms",
            ])
            end(.idle)
        } else {
            armIdleTimer(after: remaining)
        }
    }
}
