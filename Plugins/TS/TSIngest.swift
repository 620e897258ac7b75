public import Logging
public import NIOCore
import Synchronization
public import WeirCore

/// The MPEG-TS ingest: the UDP and TCP listeners the routes declare, and HTTP push.
///
/// Every source becomes a session that asks the router for its stream's publish and feeds
/// the demuxed media onto the stream's bus. ``apply(routes:)`` is called at start and on every
/// reload with the full route list: listeners whose URL is unchanged keep their socket (a
/// sender never notices a reload), new ones are bound, removed ones are closed.
public final class TSIngest: Sendable {
    private struct State {
        var listeners: [String: any TSListener] = [:]
        var routes = RouteTable(routes: [])
        var stopped = false
    }

    let group: any EventLoopGroup
    let logger: Logger
    let sessionContext: TSSession.Context
    private let registry: TSSessionRegistry
    private let state = Mutex(State())

    /// - Parameters:
    ///   - router: decides every publish.
    ///   - group: the event loops that run the sockets and the idle timers.
    ///   - logger: sessions add `stream`, `remote` and `transport` metadata to it.
    public init(router: any StreamRouter, group: any EventLoopGroup, logger: Logger) {
        self.group = group
        self.logger = logger
        let registry = TSSessionRegistry()
        self.registry = registry
        self.sessionContext = TSSession.Context(router: router, registry: registry, logger: logger)
    }

    /// Takes `PUT`/`POST /ingest/APP/KEY.ts` uploads; give it to the HTTP server.
    public var uploadHandler: TSUploadHandler { TSUploadHandler(ingest: self) }

    /// The listeners bound now, in URL order.
    public var listeners: [TSListenerStatus] {
        let listeners = state.withLock { Array($0.listeners.values) }
        return listeners.map { listener in
            let settings = listener.settings
            return TSListenerStatus(
                url: listener.url.description, port: listener.localPort, stream: settings.stream.description,
                route: settings.routeName, receiveBuffer: listener.receiveBuffer, publishing: listener.isPublishing)
        }.sorted { $0.url < $1.url }
    }

    /// The bound port of the listener for `url` (as written in a route, or canonical).
    public func localPort(for url: String) -> Int? {
        guard let key = try? TSListenURL(parsing: url).description else { return nil }
        return state.withLock { $0.listeners[key] }?.localPort
    }

    /// Totals since the ingest started, live sessions included.
    public var statistics: TSIngestStatistics { registry.statistics }

    // MARK: Routes

    /// The listeners `routes` declare, checked across routes.
    ///
    /// `weir check` and a reload can call this to refuse a route list before anything is bound.
    public static func plan(for routes: [RouteConfiguration]) throws(TSIngestError) -> [TSListenerSettings] {
        var result: [TSListenerSettings] = []
        var owners: [String: String] = [:]
        for route in routes where route.ingest.contains(TSModule.descriptor.name) {
            let options = TSRouteOptions(route: route)
            guard !options.listen.isEmpty else { continue }
            guard let streamText = options.stream else {
                throw .invalidRoute(route: route.name, message: "listen needs `stream: APP/KEY`, the path these sockets publish")
            }
            let stream: StreamPath
            do {
                stream = try StreamPath(streamText)
            } catch {
                throw .invalidRoute(route: route.name, message: "invalid stream path '\(streamText)': \(error)")
            }
            guard route.pattern.matches(stream.description) else {
                throw .invalidRoute(route: route.name, message: "stream '\(stream)' does not match the route's pattern '\(route.pattern)'")
            }
            for text in options.listen {
                let url: TSListenURL
                do {
                    url = try TSListenURL(parsing: text)
                } catch {
                    throw .invalidRoute(route: route.name, message: error.description)
                }
                if let owner = owners[url.description] {
                    throw .duplicateListener(url: url.description, routes: [owner, route.name])
                }
                owners[url.description] = route.name
                if url.transport == .udp, options.idleTimeout == nil {
                    throw .invalidRoute(route: route.name, message: "a UDP source has no other end than silence: idle_timeout must be above 0")
                }
                result.append(TSListenerSettings(
                    url: url, routeName: route.name, stream: stream, idleTimeout: options.idleTimeout,
                    receiveBuffer: options.receiveBuffer))
            }
        }
        return result
    }

    /// Binds the listeners `routes` declare, keeps those whose URL is unchanged and closes
    /// the others.
    ///
    /// New sockets are bound before anything else changes: when one cannot be bound, those
    /// bound so far are closed again and the running listeners stay as they were. Calls must
    /// not overlap (the host reloads one at a time).
    public func apply(routes: [RouteConfiguration]) async throws(TSIngestError) {
        let plan = try Self.plan(for: routes)
        let table = RouteTable(routes: routes)
        for settings in plan {
            if let owner = table.route(for: settings.stream.description, ingest: TSModule.descriptor.name), owner.name != settings.routeName {
                logger.warning("TS listener publishes a stream an earlier route takes", metadata: [
                    "listen": "\(settings.url)", "stream": "\(settings.stream)", "declared_by": "\(settings.routeName)",
                    "taken_by": "\(owner.name)",
                ])
            }
        }
        let wanted = Dictionary(plan.map { ($0.url.description, $0) }, uniquingKeysWith: { first, _ in first })
        let (existing, stopped) = state.withLock { s in (s.listeners.filter { $0.value.isAlive }, s.stopped) }
        guard !stopped else { return }

        var bound: [String: any TSListener] = [:]
        var closedEarly: [String] = []
        for settings in plan where existing[settings.url.description] == nil {
            do {
                bound[settings.url.description] = try await bindReleasingConflicts(settings, existing: existing, wanted: wanted, closedEarly: &closedEarly)
            } catch {
                for listener in bound.values { await listener.close() }
                await rebind(closedEarly, existing: existing)
                throw error
            }
        }

        let (removed, kept, stoppedMeanwhile) = state.withLock { s -> ([any TSListener], [any TSListener], Bool) in
            guard !s.stopped else { return (Array(bound.values), [], true) }
            var removed: [any TSListener] = []
            for (key, listener) in s.listeners where wanted[key] == nil || bound[key] != nil {
                removed.append(listener)
                s.listeners[key] = nil
            }
            let kept = Array(s.listeners.values)
            s.listeners.merge(bound) { _, new in new }
            s.routes = table
            return (removed, kept, false)
        }
        for listener in removed { await listener.close() }
        guard !stoppedMeanwhile else { return }
        for listener in kept {
            if let settings = wanted[listener.url.description], settings != listener.settings {
                await listener.update(settings)
            }
        }
        if !bound.isEmpty || !removed.isEmpty {
            logger.info("TS listeners applied", metadata: [
                "bound": "\(bound.keys.sorted())", "closed": "\(removed.map(\.url.description).sorted())",
                "kept": "\(kept.count)",
            ])
        }
    }

    /// Binds a new listener; when a TCP port is still held by a listener the new routes drop
    /// (the same port on another address), that one is closed first and the bind retried.
    private func bindReleasingConflicts(
        _ settings: TSListenerSettings, existing: [String: any TSListener], wanted: [String: TSListenerSettings],
        closedEarly: inout [String]
    ) async throws(TSIngestError) -> any TSListener {
        do {
            return try await bind(settings)
        } catch {
            let conflicting = existing.filter { key, listener in
                wanted[key] == nil && !closedEarly.contains(key) && listener.url.transport == settings.url.transport
                    && listener.url.port == settings.url.port
            }
            guard !conflicting.isEmpty else { throw error }
            for (key, listener) in conflicting {
                await listener.close()
                closedEarly.append(key)
            }
            return try await bind(settings)
        }
    }

    /// Restores listeners closed early by a reload that then failed.
    private func rebind(_ keys: [String], existing: [String: any TSListener]) async {
        for key in keys {
            guard let old = existing[key] else { continue }
            do {
                let listener = try await bind(old.settings)
                state.withLock { $0.listeners[key] = listener }
            } catch {
                state.withLock { _ = $0.listeners.removeValue(forKey: key) }
                logger.error("TS listener lost after a failed reload", metadata: ["listen": "\(key)", "error": "\(error)"])
            }
        }
    }

    private func bind(_ settings: TSListenerSettings) async throws(TSIngestError) -> any TSListener {
        switch settings.url.transport {
        case .udp: try await TSUDPListener.bind(settings: settings, group: group, context: sessionContext)
        case .tcp: try await TSTCPListener.bind(settings: settings, group: group, context: sessionContext)
        }
    }

    /// Closes every listener and ends every session, HTTP uploads included.
    public func stop() async {
        let listeners = state.withLock { s in
            s.stopped = true
            defer { s.listeners.removeAll() }
            return Array(s.listeners.values)
        }
        for listener in listeners { await listener.close() }
        for session in registry.activeSessions { session.end(.listenerClosed) }
    }

    // MARK: HTTP push

    /// The idle timeout of the route an upload of `path` publishes through.
    func uploadIdleTimeout(for path: StreamPath) -> TimeAmount? {
        let route = state.withLock { $0.routes }.route(for: path.description, ingest: TSModule.descriptor.name)
        guard let route else { return .microseconds(TSModule.defaultIdleTimeout.microseconds) }
        return TSRouteOptions(route: route).idleTimeout
    }
}
