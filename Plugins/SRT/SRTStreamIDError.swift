/// Why a caller's stream id was not understood.
public enum SRTStreamIDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No stream id (old HSv4 callers, or a GStreamer URI whose `#` started a fragment).
    case empty
    /// Longer than libsrt's 512-byte limit, or not UTF-8.
    case unreadable
    /// Neither `publish:APP/KEY` nor `#!::key=value,...`.
    case unknownForm
    /// A `#!::` list item without `=`, a repeated key, or a malformed query.
    case malformed(String)
    /// `#!::` without `r=`.
    case missingResource
    /// An `m=` value that is not a mode.
    case unknownMode(String)
    /// The resource is not a valid `APP/KEY` stream path.
    case invalidPath(String)

    public var description: String {
        switch self {
        case .empty: "empty stream id (use streamid=publish:APP/KEY)"
        case .unreadable: "stream id is too long or not UTF-8"
        case .unknownForm: "unknown stream id form (use publish:APP/KEY or #!::r=APP/KEY,m=publish)"
        case .malformed(let reason): "malformed stream id: \(reason)"
        case .missingResource: "stream id has no r= resource"
        case .unknownMode(let mode): "unknown mode m=\(mode) (use m=publish)"
        case .invalidPath(let reason): "invalid stream path: \(reason)"
        }
    }
}
