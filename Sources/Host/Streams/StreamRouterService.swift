import Foundation
import HLS
import Logging
import Synchronization
import WeirCore
import WeirFormats

/// Grants publishes: matches a route, claims the path, and builds the stream's chain.
///
/// The chain of a stream is its bus with the declared source tracks, the packager that turns
/// the bus into the CMAF window, and the outputs that serve that window. An event outlives a
/// publisher's connection by the route's `reconnect_window`, and a stale publisher (silent for
/// `takeover_after`) can be taken over, so broadcasters are never locked out of their own path.
final class StreamRouterService: StreamRouter {
    private let routes: Mutex<RouteTable>
    private let maxPublishers = Mutex(256)
    let catalog: StreamCatalog
    let logger: Logger
    /// Source track slots every chain declares; outputs serve the ones that receive a format.
    static let sourceTracks = [
        TrackDeclaration(id: TrackID(0), name: "video", kind: .video),
        TrackDeclaration(id: TrackID(1), name: "audio", kind: .audio),
    ]
    /// How long an ended event's window stays served from memory.
    static let endedRetention = Duration.seconds(600)

    private let authorizer: PublishAuthorizer
    /// Refused or cut-off publishes by reason, for metrics.
    let refusals = RefusalCounter()

    init(routes: RouteTable, catalog: StreamCatalog, hooks: HookClient, logger: Logger) {
        self.routes = Mutex(routes)
        self.catalog = catalog
        self.logger = logger
        self.authorizer = PublishAuthorizer(hooks: hooks, logger: logger)
    }

    func authorize(_ request: PublishRequest) -> PublishAuthorization {
        guard let route = routeTable.route(for: request.path.description, ingest: request.ingest) else { return .decided(nil) }
        let refusals = self.refusals
        switch authorizer.authorize(request, route: route) {
        case .decided(let refusal):
            if refusal != nil { refusals.count("unauthorized") }
            return .decided(refusal)
        case .pending(let ask):
            return .pending {
                let refusal = await ask()
                if refusal != nil { refusals.count("unauthorized") }
                return refusal
            }
        }
    }

    var routeTable: RouteTable { routes.withLock { $0 } }

    func replaceRoutes(_ table: RouteTable) {
        routes.withLock { $0 = table }
    }

    /// Applies the server-wide limits of a (re)loaded configuration.
    func applyLimits(_ configuration: WeirConfiguration) {
        let limit = configuration.mainOptions.object("limits")?.integer("max_publishers") ?? 256
        maxPublishers.withLock { $0 = limit }
    }

    func openPublish(_ request: PublishRequest) -> Result<Publication, PublishRefusal> {
        let path = request.path
        let table = routeTable
        var meta: Logger.Metadata = ["stream": "\(path)", "ingest": "\(request.ingest)", "remote": "\(request.remoteAddress)"]
        guard let route = table.route(for: path.description, ingest: request.ingest) else {
            logger.warning("publish refused: no route", metadata: meta)
            refusals.count("no_route")
            return .failure(.noRoute(path.description))
        }
        meta["route"] = "\(route.name)"

        if let existing = catalog.stream(at: path), existing.isLive {
            // A live event continues when its route still takes this publish.
            let sameRoute = table.route(named: existing.routeName).map { $0.pattern.matches(path.description) && $0.ingest.contains(request.ingest) } ?? false
            guard sameRoute else {
                logger.warning("publish refused: path busy with an event of route '\(existing.routeName)'", metadata: meta)
                refusals.count("busy")
                return .failure(.busy(path.description))
            }
            if let generation = existing.attach(replacing: false) {
                existing.bus.beginSession()
                logger.info("publisher reconnected: the event continues", metadata: meta)
                return .success(publication(existing, generation: generation, route: route))
            }
            let takeover = route.settings.duration("takeover_after") ?? .zero
            let silent = existing.bus.lastPublish.map { ContinuousClock.now - $0 } ?? .seconds(0)
            guard takeover.microseconds > 0, silent >= .microseconds(takeover.microseconds),
                  let generation = existing.attach(replacing: true) else {
                logger.warning("publish refused: path busy", metadata: meta)
                refusals.count("busy")
                return .failure(.busy(path.description))
            }
            existing.bus.beginSession()
            logger.notice("publisher took over a stale session (silent for \(silent))", metadata: meta)
            return .success(publication(existing, generation: generation, route: route))
        }

        let limit = maxPublishers.withLock { $0 }
        if catalog.all.count(where: \.hasPublisher) >= limit {
            logger.warning("publish refused: \(limit) publishers already connected (limits.max_publishers)", metadata: meta)
            refusals.count("publishers")
            return .failure(.overLimit("the server already has \(limit) publishers"))
        }
        let settings = HLSSettings(options: route.output(named: "hls")?.options ?? OptionValues(specs: HLSModule.descriptor.options))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let policy = settings.policy
        let claimed = catalog.claim(path) {
            let bus = StreamBus(path: path.description, policy: policy)
            for track in Self.sourceTracks { bus.declare(track) }
            let window = SegmentWindow(
                path: path.description, epoch: SegmentWindow.epochToken(millisecondsSince1970: now), startedAt: now,
                targetDuration: settings.targetDuration, windowSize: settings.windowSize,
                maxPartsPerSegment: settings.maxPartsPerSegment)
            return LiveStream(path: path, routeName: route.name, bus: bus, window: window, startedAt: now)
        }
        guard let stream = claimed, let generation = stream.attach(replacing: false) else {
            logger.warning("publish refused: path busy", metadata: meta)
            refusals.count("busy")
            return .failure(.busy(path.description))
        }
        let logger = self.logger
        let catalog = self.catalog
        // The bus owns the packager until the publisher leaves.
        _ = StreamPackager(bus: stream.bus, window: stream.window, startedAt: now) {
            logger.info("stream ended", metadata: ["stream": "\(path)", "route": "\(route.name)"])
            // The ended event's playlist (with ENDLIST) stays served for late viewers, then the
            // window's memory is released unless a new event has taken the path.
            Task {
                try? await Task.sleep(for: Self.endedRetention)
                catalog.remove(stream)
            }
        }
        logger.info("publish started", metadata: meta)
        return .success(publication(stream, generation: generation, route: route))
    }

    /// A publication whose lost connection keeps the event open for the route's reconnect window.
    private func publication(_ stream: LiveStream, generation: Int, route: RouteConfiguration) -> Publication {
        let logger = self.logger
        let limit = route.settings.bitrate("max_bitrate")?.bitsPerSecond ?? 0
        let refusals = self.refusals
        stream.bus.limitBitrate(limit) { rate in
            refusals.count("bitrate")
            logger.warning("disconnecting publisher: ingest bitrate \(rate / 1000) kbit/s is over the route's max_bitrate \(limit / 1000) kbit/s", metadata: ["stream": "\(stream.path)"])
            stream.disconnectPublisher(reason: "ingest bitrate over the limit")
        }
        let window = route.settings.duration("reconnect_window") ?? .zero
        return Publication(stream: stream, generation: generation) { clean in
            guard stream.detach(generation: generation) else { return }
            guard !clean, window.microseconds > 0 else {
                stream.bus.end()
                return
            }
            logger.info("publisher left; waiting \(window) for it to come back", metadata: ["stream": "\(stream.path)"])
            Task {
                try? await Task.sleep(for: .microseconds(window.microseconds))
                if stream.isDetached(since: generation) {
                    logger.info("publisher did not come back: ending the event", metadata: ["stream": "\(stream.path)"])
                    stream.bus.end()
                }
            }
        }
    }
}
