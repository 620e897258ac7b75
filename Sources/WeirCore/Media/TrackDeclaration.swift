/// A track slot declared on a stream bus when the chain is built, before any media arrives.
///
/// Declaring tracks up front lets every output know the stream's shape (which renditions will
/// exist, which one leads segmentation) even while a broadcaster's audio or video is still
/// missing. The ``name`` is what viewers see in URLs (`video`, `audio`, `video_720p`).
public struct TrackDeclaration: Sendable, Hashable {
    public var id: TrackID
    public var name: String
    public var kind: MediaKind
    /// The rendition this track belongs to; `source` for what the broadcaster sent.
    public var rendition: String

    public init(id: TrackID, name: String, kind: MediaKind, rendition: String = "source") {
        self.id = id
        self.name = name
        self.kind = kind
        self.rendition = rendition
    }
}
