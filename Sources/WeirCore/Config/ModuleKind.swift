/// The role a module plays in a stream's chain.
public enum ModuleKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Accepts a broadcaster's stream (RTMP, SRT, MPEG-TS) and feeds the stream bus.
    case ingest
    /// Subscribes to the bus and publishes new tracks on it (transcoding, fallbacks).
    case process
    /// Subscribes to the bus and produces what viewers fetch (HLS, DASH, archives).
    case output

    public var description: String { rawValue }

    /// The route and main-config key that lists modules of this kind.
    public var sectionKey: String {
        switch self {
        case .ingest: "ingest"
        case .process: "process"
        case .output: "outputs"
        }
    }
}
