public import WeirCore

extension TSIngestError {
    /// The error at the `ts` entry of the route it is about, for `weir check` and reload
    /// messages (`FILE:LINE:COL: message`).
    ///
    /// - Parameters:
    ///   - routes: The routes the error was found in.
    public func configError(in routes: [RouteConfiguration]) -> ConfigError {
        let name: String? = switch self {
        case .invalidRoute(let route, _): route
        case .duplicateListener(_, let routes): routes.last
        case .bindFailed: nil
        }
        let route = routes.first { $0.name == name }
        let location = route?.ingest(named: TSModule.descriptor.name)?.location ?? route?.location
            ?? SourceLocation(file: "(routes)", line: 0, column: 0)
        return ConfigError(description, at: location)
    }
}
