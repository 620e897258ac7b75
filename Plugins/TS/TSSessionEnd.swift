/// Why an MPEG-TS session ended, which decides how its publication ends.
enum TSSessionEnd: Sendable, Equatable, CustomStringConvertible {
    /// The source said it was done: a TCP peer closed its side, an HTTP body ended.
    case sourceFinished
    /// Nothing arrived for the idle timeout. For UDP this is the only end there is.
    case idle
    /// The connection failed without the source saying it was done.
    case connectionLost(String)
    /// The listener was closed by a reload or by stopping the ingest.
    case listenerClosed
    /// The server ended the publish (route removed, taken over, shutting down).
    case disconnected(String)

    var description: String {
        switch self {
        case .sourceFinished: "source finished"
        case .idle: "idle timeout"
        case .connectionLost(let reason): "connection lost: \(reason)"
        case .listenerClosed: "listener closed"
        case .disconnected(let reason): "disconnected by the server: \(reason)"
        }
    }
}
