/// Why a handshake failed; each one closes the connection.
public enum RTMPHandshakeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// C0 named a version other than 3 (plain RTMP); encrypted RTMPE and garbage end here.
    case unsupportedVersion(UInt8)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version): "unsupported RTMP version \(version) in C0 (expected 3)"
        }
    }
}
