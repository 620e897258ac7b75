import CSRT
import Foundation
public import Logging
import Synchronization
public import WeirCore

/// The SRT listener: admits callers by stream id and feeds each publisher's transport stream
/// into its stream's bus.
///
/// A caller is judged twice. While it is still handshaking, libsrt's listen callback parses its
/// stream id, finds the route and sets the route's passphrase and latency on the connection, or
/// refuses it with a reject reason the caller can read (see ``SRTRejectReason``). Nothing is
/// claimed then, because the handshake can still fail (a wrong passphrase is found only after
/// the callback) without libsrt telling the application. Once the connection is up, the router
/// opens the publication and has the last word.
///
/// One receive thread serves the listener and every session; stopping the server closes them
/// all, and each session finishes its publication once.
public final class SRTServer: Sendable {
    private enum Phase {
        case idle
        case running
        case stopping
        case stopped
    }

    private struct State {
        var phase = Phase.idle
        var localPort: Int?
        var threadExited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    static let backlog: Int32 = 64

    private let state = Mutex(State())
    private let context: SRTListenContext
    private let router: any StreamRouter
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: listener settings and routes, usually `Configuration(options:routes:)`.
    ///   - router: opens every publication.
    ///   - logger: sessions add `remote` and `stream` metadata to it.
    public init(configuration: Configuration, router: any StreamRouter, logger: Logger) {
        self.context = SRTListenContext(configuration: configuration, logger: logger)
        self.router = router
        self.logger = logger
    }

    /// The settings and routes callers are judged by.
    public var configuration: Configuration { context.configuration }

    /// Applies new routes and settings to callers from now on (a reload); connected publishers
    /// keep theirs. A changed `listen` address needs a new server.
    public func update(configuration: Configuration) {
        context.configuration = configuration
    }

    /// The bound UDP port once ``start()`` returned (useful with port 0).
    public var localPort: Int? { state.withLock { $0.localPort } }

    /// Connected publishers, oldest first, with their statistics as of the last sample (about
    /// once a second).
    public var sessions: [SRTSessionSnapshot] {
        context.sessions.sorted { $0.connectedAt < $1.connectedAt }
    }

    /// Callers refused so far, by reason (including the router's refusals after a handshake).
    public var rejections: [SRTRejectReason: Int] { context.rejections }

    /// Binds the listener and starts the receive thread; calling it again does nothing.
    public func start() async throws {
        try state.withLock { s in
            guard s.phase == .idle else { return }
            let configuration = context.configuration
            guard srt_startup() >= 0 else { throw SRTError.last("startup") }
            SRTLibraryLog.install(logger)
            let listener: SRTSOCKET
            let epoll: Int32
            let port: Int
            do {
                (listener, epoll, port) = try openListener(configuration)
            } catch {
                _ = srt_cleanup()
                throw error
            }
            s.localPort = port
            s.phase = .running
            let loop = SRTReceiveLoop(listener: listener, epoll: epoll, context: context, router: router, logger: logger)
            let thread = Thread { [self] in
                loop.run()
                self.receiveThreadExited()
            }
            thread.name = "srt-receive"
            thread.start()
            logger.info("SRT listening", metadata: [
                "address": "\(configuration.listen.bindHost):\(port)", "latency": "\(configuration.latency)",
            ])
        }
    }

    /// Closes the listener and every session; returns once each session has finished its
    /// publication and the receive thread has exited.
    public func stop() async {
        let running = state.withLock { s -> Bool in
            switch s.phase {
            case .running:
                s.phase = .stopping
                return true
            case .idle:
                s.phase = .stopped
                return false
            case .stopping, .stopped:
                return false
            }
        }
        guard running else { return }
        context.stopRequested.store(true, ordering: .releasing)
        context.wake.signal()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited = state.withLock { s in
                if !s.threadExited { s.exitWaiters.append(continuation) }
                return s.threadExited
            }
            if exited { continuation.resume() }
        }
        _ = srt_cleanup()
        state.withLock { $0.phase = .stopped }
        logger.info("SRT listener stopped")
    }

    private func receiveThreadExited() {
        let waiters = state.withLock { s in
            s.threadExited = true
            defer { s.exitWaiters.removeAll() }
            return s.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Creates, binds and listens; on failure nothing stays open.
    private func openListener(_ configuration: Configuration) throws -> (SRTSOCKET, Int32, Int) {
        let listener = srt_create_socket()
        guard listener != SRT_INVALID_SOCK else { throw SRTError.last("create socket") }
        var epoll: Int32 = -1
        do {
            let address = "\(configuration.listen.bindHost):\(configuration.listen.port)"
            // Accepted sockets inherit these: non-blocking reads for the shared receive thread,
            // and the default latency (the listen callback sets each route's own).
            guard weir_srt_set_bool(listener, SRTO_RCVSYN, 0) == 0 else { throw SRTError.last("set rcvsyn") }
            let latency = Int32(clamping: configuration.latency.microseconds / 1000)
            guard weir_srt_set_int(listener, SRTO_RCVLATENCY, latency) == 0 else { throw SRTError.last("set latency") }
            try SRTSocketAddress.withResolved(host: configuration.listen.bindHost, port: configuration.listen.port) { sockaddr, length, family in
                // libsrt refuses an IPv6 wildcard bind unless dual-stack is decided explicitly.
                if family == AF_INET6, weir_srt_set_int(listener, SRTO_IPV6ONLY, 0) != 0 {
                    throw SRTError.last("set ipv6only")
                }
                guard srt_bind(listener, sockaddr, length) == 0 else { throw SRTError.last("bind \(address)") }
            }
            var bound = sockaddr_storage()
            var boundLength = Int32(MemoryLayout<sockaddr_storage>.size)
            let port = withUnsafeMutablePointer(to: &bound) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address -> Int? in
                    guard srt_getsockname(listener, address, &boundLength) == 0 else { return nil }
                    return SRTSocketAddress.port(of: address)
                }
            }
            guard let port else { throw SRTError.last("getsockname") }
            // The context outlives the listener: the receive loop holds it and closes the
            // listener before it exits, and libsrt no longer calls back once the listener is closed.
            let opaque = Unmanaged.passUnretained(context).toOpaque()
            let installed = srt_listen_callback(listener, { opaque, socket, _, peer, streamID in
                guard let opaque else { return -1 }
                let context = Unmanaged<SRTListenContext>.fromOpaque(opaque).takeUnretainedValue()
                let decision = context.admit(socket: socket, peer: peer, streamID: streamID)
                if decision == 0 { context.wake.signal() }
                return decision
            }, opaque)
            guard installed == 0 else { throw SRTError.last("listen callback") }
            guard srt_listen(listener, Self.backlog) == 0 else { throw SRTError.last("listen \(address)") }
            epoll = srt_epoll_create()
            guard epoll >= 0 else { throw SRTError.last("epoll create") }
            // Waits time out rather than fail if the listener is ever taken out with no sessions.
            _ = srt_epoll_set(epoll, Int32(SRT_EPOLL_ENABLE_EMPTY.rawValue))
            var events = weir_srt_epoll_read_events()
            guard srt_epoll_add_usock(epoll, listener, &events) == 0 else { throw SRTError.last("epoll add") }
            return (listener, epoll, port)
        } catch {
            if epoll >= 0 { _ = srt_epoll_release(epoll) }
            _ = srt_close(listener)
            throw error
        }
    }
}
