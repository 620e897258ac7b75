/// Why ``TSIngest/apply(routes:)`` refused a route list; nothing was changed.
public enum TSIngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A route's `ts` options do not describe a usable listener.
    case invalidRoute(route: String, message: String)
    /// Two routes declare the same listen URL.
    case duplicateListener(url: String, routes: [String])
    /// A socket could not be bound or set up.
    case bindFailed(url: String, message: String)

    public var description: String {
        switch self {
        case .invalidRoute(let route, let message):
            "route '\(route)': ts: \(message)"
        case .duplicateListener(let url, let routes):
            "listen URL \(url) is declared by more than one route (\(routes.joined(separator: ", ")))"
        case .bindFailed(let url, let message):
            "cannot listen on \(url): \(message)"
        }
    }
}
