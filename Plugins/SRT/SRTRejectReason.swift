public import WeirCore

/// The SRT reject reasons the server sends to refused callers (libsrt's `SRT_REJX_*` codes,
/// the application range above 1000 that mirrors HTTP).
///
/// A caller reads it after a failed connect (`srt_getrejectreason`); srt-live-transmit and
/// ffmpeg print it.
public enum SRTRejectReason: Int32, Sendable, CustomStringConvertible {
    /// The stream id is empty or in no known form.
    case badRequest = 1400
    /// The server has as many publishers as `max_connections` allows.
    case overload = 1402
    /// A route matches the path but does not take SRT.
    case forbidden = 1403
    /// No route matches the path.
    case notFound = 1404
    /// The stream id asks to play (`m=request`, `play:`): only publishing is served.
    case badMode = 1405
    /// Someone is already publishing on the path.
    case conflict = 1409
    /// The server could not set the connection up.
    case internalError = 1500

    /// The reason for a router's refusal.
    public init(_ refusal: PublishRefusal) {
        switch refusal {
        case .noRoute: self = .notFound
        case .busy: self = .conflict
        case .badName: self = .badRequest
        case .unauthorized: self = .forbidden
        case .overLimit: self = .overload
        }
    }

    public var description: String {
        switch self {
        case .badRequest: "1400 bad request"
        case .overload: "1402 overload"
        case .forbidden: "1403 forbidden"
        case .notFound: "1404 not found"
        case .badMode: "1405 bad mode"
        case .conflict: "1409 conflict"
        case .internalError: "1500 internal error"
        }
    }
}
