/// An immutable view of a stream's live window, from which every manifest is rendered.
///
/// A manifest is a pure function of a snapshot, so the same (track, msn, part) request yields
/// the same bytes for every viewer, which is what lets caches share responses.
public struct WindowSnapshot: Sendable {
    public var path: String
    /// Publish epoch token carried in every segment and part URI.
    public var epoch: String
    /// Wall-clock start of the event, milliseconds since 1970.
    public var startedAt: Int64
    public var targetDuration: Int
    /// Fixed at the first part; nil before.
    public var partTarget: MediaTime?
    /// How many complete segments a playlist lists.
    public var windowSize: Int
    /// The most parts any segment can hold (for validating `_HLS_part`).
    public var maxPartsPerSegment: Int
    public var ended: Bool
    /// Increases with every change.
    public var version: UInt64
    public var tracks: [TrackWindow]
    /// Parts appended over the event, all tracks.
    public var partsProduced: Int64 = 0
    /// Segments completed over the event, all tracks.
    public var segmentsProduced: Int64 { tracks.reduce(0) { $0 + $1.segmentsProduced } }

    public func track(named name: String) -> TrackWindow? { tracks.first { $0.name == name } }
}
