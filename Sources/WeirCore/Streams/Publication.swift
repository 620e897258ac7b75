/// A granted publish: where the ingest session sends media, and how it says it is done.
public struct Publication: Sendable {
    public let stream: LiveStream
    private let finishAction: @Sendable () -> Void

    public init(stream: LiveStream, finish: @escaping @Sendable () -> Void) {
        self.stream = stream
        self.finishAction = finish
    }

    public var bus: StreamBus { stream.bus }

    /// The source track of `kind` declared on the bus.
    public func sourceTrack(_ kind: MediaKind) -> TrackID? { stream.bus.track(kind: kind)?.id }

    /// Ends the publish; the stream's outputs finish their segments and playlists.
    public func finish() { finishAction() }
}
