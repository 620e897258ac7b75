import Foundation
import HLS
import Logging
import Synchronization
import WeirCore
import WeirFormats

/// Grants publishes: matches a route, claims the path, and builds the stream's chain.
///
/// The chain of a stream is its bus with the declared source tracks, the packager that turns
/// the bus into the CMAF window, and the outputs that serve that window. The route table can be
/// swapped while streams are live; a live stream keeps the route it started with.
final class StreamRouterService: StreamRouter {
    private let routes: Mutex<RouteTable>
    let catalog: StreamCatalog
    let logger: Logger
    /// Source track slots every chain declares; outputs serve the ones that receive a format.
    static let sourceTracks = [
        TrackDeclaration(id: TrackID(0), name: "video", kind: .video),
        TrackDeclaration(id: TrackID(1), name: "audio", kind: .audio),
    ]

    /// How long an ended event's window stays served from memory.
    static let endedRetention = Duration.seconds(600)

    init(routes: RouteTable, catalog: StreamCatalog, logger: Logger) {
        self.routes = Mutex(routes)
        self.catalog = catalog
        self.logger = logger
    }

    func replaceRoutes(_ table: RouteTable) {
        routes.withLock { $0 = table }
    }

    func openPublish(_ request: PublishRequest) -> Result<Publication, PublishRefusal> {
        let path = request.path
        guard let route = routes.withLock({ $0.route(for: path.description, ingest: request.ingest) }) else {
            logger.warning("publish refused: no route", metadata: ["stream": "\(path)", "ingest": "\(request.ingest)", "remote": "\(request.remoteAddress)"])
            return .failure(.noRoute(path.description))
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
        guard let stream = claimed else {
            logger.warning("publish refused: path busy", metadata: ["stream": "\(path)", "remote": "\(request.remoteAddress)"])
            return .failure(.busy(path.description))
        }
        let packager = StreamPackager(bus: stream.bus, window: stream.window, startedAt: now)
        let logger = self.logger
        let catalog = self.catalog
        let retention = Self.endedRetention
        Task {
            await packager.run()
            logger.info("stream ended", metadata: ["stream": "\(path)", "route": "\(route.name)"])
            // The ended event's playlist (with ENDLIST) stays served for late viewers, then the
            // window's memory is released unless a new event has taken the path.
            try? await Task.sleep(for: retention)
            catalog.remove(stream)
        }
        logger.info("publish started", metadata: [
            "stream": "\(path)", "route": "\(route.name)", "ingest": "\(request.ingest)", "remote": "\(request.remoteAddress)",
        ])
        let bus = stream.bus
        return .success(Publication(stream: stream) { bus.end() })
    }
}
