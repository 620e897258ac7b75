/// Finds the route for a stream an ingest module is about to accept.
public struct RouteTable: Sendable, Hashable {
    /// Routes in priority order: route files in name order, then the order within each file.
    public let routes: [RouteConfiguration]

    public init(routes: [RouteConfiguration]) {
        self.routes = routes
    }

    /// The first route that lists `ingest` and whose pattern matches `path`.
    ///
    /// - Parameters:
    ///   - path: The stream path, e.g. `live/cam1`.
    ///   - ingest: The ingest module's name, e.g. `rtmp`.
    public func route(for path: String, ingest: String) -> RouteConfiguration? {
        routes.first { $0.ingest.contains(ingest) && $0.pattern.matches(path) }
    }

    /// The route called `name`, if there is one.
    public func route(named name: String) -> RouteConfiguration? {
        routes.first { $0.name == name }
    }
}
