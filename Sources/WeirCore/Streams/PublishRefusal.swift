/// Why a publish was refused; each ingest maps it onto its protocol's own error.
public enum PublishRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// No route matches the path for this ingest.
    case noRoute(String)
    /// Someone is already publishing on the path.
    case busy(String)
    /// The path is malformed or unsafe.
    case badName(String)
    /// Authorisation failed.
    case unauthorized(String)
    /// A server limit (publishers, connections) is reached.
    case overLimit(String)

    public var description: String {
        switch self {
        case .noRoute(let path): "no route accepts '\(path)'"
        case .busy(let path): "'\(path)' is already being published"
        case .badName(let reason): "bad stream name: \(reason)"
        case .unauthorized(let reason): "not authorised: \(reason)"
        case .overLimit(let reason): "over a server limit: \(reason)"
        }
    }
}
