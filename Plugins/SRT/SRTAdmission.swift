import WeirCore

/// The decision taken while a caller is still handshaking: refuse it with a reason it can read,
/// or let the handshake finish with the route's passphrase and latency.
///
/// It claims nothing. The handshake can still fail after this decision (a wrong passphrase is
/// only detected by libsrt afterwards, and the caller may give up), and libsrt says nothing to
/// the application when it does; a path claimed here could stay claimed with nobody publishing.
/// The publication is opened once libsrt hands over the connected socket; the checks here are
/// the ones that give the caller a reject reason, and the router has the last word.
struct SRTAdmission {
    struct Grant: Equatable {
        var streamID: SRTStreamID
        var settings: SRTRouteSettings
    }

    struct Rejection: Error, Equatable {
        var reason: SRTRejectReason
        var message: String
    }

    /// - Parameters:
    ///   - streamID: the stream id as the caller sent it; nil when it sent none.
    ///   - configuration: the routes and the default latency.
    ///   - connections: publishers connected now.
    ///   - isBusy: whether one of this server's sessions holds the path in a way the route does
    ///     not let a newcomer take over.
    static func decide(
        streamID: String?,
        configuration: SRTServer.Configuration,
        connections: Int,
        isBusy: (StreamPath, RouteConfiguration) -> Bool
    ) -> Result<Grant, Rejection> {
        guard connections < configuration.maxConnections else {
            return .failure(Rejection(reason: .overload, message: "max_connections (\(configuration.maxConnections)) reached"))
        }
        let parsed: SRTStreamID
        do {
            parsed = try SRTStreamID(parsing: streamID ?? "")
        } catch {
            return .failure(Rejection(reason: .badRequest, message: error.description))
        }
        guard parsed.mode == .publish else {
            return .failure(Rejection(reason: .badMode, message: "only publishing is served over SRT (m=\(parsed.mode.rawValue))"))
        }
        let path = parsed.path.description
        guard let route = configuration.routes.route(for: path, ingest: SRTModule.name) else {
            if let other = configuration.routes.routes.first(where: { $0.pattern.matches(path) }) {
                return .failure(Rejection(reason: .forbidden, message: "route '\(other.name)' does not take SRT"))
            }
            return .failure(Rejection(reason: .notFound, message: "no route accepts '\(path)'"))
        }
        if isBusy(parsed.path, route) {
            return .failure(Rejection(reason: .conflict, message: "'\(path)' is already being published"))
        }
        return .success(Grant(streamID: parsed, settings: SRTRouteSettings(route: route, globalLatency: configuration.latency)))
    }
}
