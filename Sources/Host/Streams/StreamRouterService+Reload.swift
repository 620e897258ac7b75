import HLS
import Logging
import WeirCore

extension StreamRouterService {
    /// Installs a new route table and reconciles the live streams with it.
    ///
    /// A live stream stays on the route it started with while that route exists and still
    /// matches its path, even when a route inserted before it would now match: a reload never
    /// steals a live event from under its viewers; the next publish on that path takes the new
    /// first match, and the log says so. A stream whose route was removed, or no longer matches,
    /// ends cleanly (its playlists get `EXT-X-ENDLIST`) and its publisher is disconnected.
    /// Options a live stream can take (the HLS window) apply at its next segment boundary;
    /// the others (segment and part durations, which HLS forbids changing within a playlist)
    /// apply from the next publish.
    func apply(_ table: RouteTable, diff: RouteDiff) {
        replaceRoutes(table)
        for change in diff.options {
            let when = switch change.reload {
            case .live: "live streams take it at their next segment boundary"
            case .nextPublish: "applies from each stream's next publish"
            case .restart: "applies when the module restarts"
            }
            logger.info("reload: route '\(change.route)' \(change.module).\(change.key) \(change.old) -> \(change.new): \(when)")
        }
        for name in diff.added { logger.info("reload: route '\(name)' added") }
        for name in diff.removed { logger.info("reload: route '\(name)' removed") }
        for name in diff.rematched { logger.info("reload: route '\(name)' changed what it matches; its live streams are matched again") }

        for stream in catalog.all where stream.isLive {
            let path = stream.path.description
            guard let route = table.route(named: stream.routeName), route.pattern.matches(path) else {
                logger.notice("reload: ending stream \(path): its route '\(stream.routeName)' was removed or no longer matches it")
                stream.stop(reason: "route removed by reload")
                continue
            }
            if let first = route.ingest.lazy.compactMap({ table.route(for: path, ingest: $0) }).first, first.name != route.name {
                logger.notice("reload: stream \(path) stays on route '\(route.name)' while live; its next publish goes to route '\(first.name)'")
            }
            if diff.options.contains(where: { $0.route == route.name && $0.module == "hls" && $0.key == "window" }) {
                let settings = HLSSettings(options: route.output(named: "hls")?.options ?? OptionValues(specs: HLSModule.descriptor.options))
                stream.window.setWindowSize(settings.windowSize)
            }
        }
    }
}
