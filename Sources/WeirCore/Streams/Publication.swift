/// A granted publish: where the ingest session sends media, and how it says it is done.
public struct Publication: Sendable {
    public let stream: LiveStream
    /// This session's attachment to the event.
    public let generation: Int
    private let endAction: @Sendable (_ clean: Bool) -> Void

    /// - Parameters:
    ///   - end: called once the session is over; `clean` is false when the connection was lost
    ///     rather than the publisher saying it was done.
    public init(stream: LiveStream, generation: Int = 1, end: @escaping @Sendable (_ clean: Bool) -> Void) {
        self.stream = stream
        self.generation = generation
        self.endAction = end
    }

    /// A publication whose end, clean or not, is handled the same way.
    public init(stream: LiveStream, generation: Int = 1, finish: @escaping @Sendable () -> Void) {
        self.init(stream: stream, generation: generation) { _ in finish() }
    }

    public var bus: StreamBus { stream.bus }

    /// The source track of `kind` declared on the bus.
    public func sourceTrack(_ kind: MediaKind) -> TrackID? { stream.bus.track(kind: kind)?.id }

    /// Lets the server disconnect this session (route removed, taken over, shutting down).
    public func onDisconnect(_ handler: @escaping @Sendable (String) -> Void) {
        stream.onDisconnect(generation: generation, handler)
    }

    /// The publisher said it is done (RTMP `FCUnpublish`/`deleteStream`, end of an upload): the
    /// event ends.
    public func finish() { endAction(true) }

    /// The connection was lost without the publisher saying it was done: the event waits for it
    /// to come back for the route's reconnect window.
    public func connectionLost() { endAction(false) }
}
