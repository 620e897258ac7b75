import Synchronization

/// One event on a stream path: its bus, its packaged window, and when it started.
public final class LiveStream: Sendable {
    public let path: StreamPath
    public let routeName: String
    public let bus: StreamBus
    public let window: SegmentWindow
    /// Wall-clock start, milliseconds since 1970.
    public let startedAt: Int64
    private let stopHandler = Mutex<(@Sendable (String) -> Void)?>(nil)

    public init(path: StreamPath, routeName: String, bus: StreamBus, window: SegmentWindow, startedAt: Int64) {
        self.path = path
        self.routeName = routeName
        self.bus = bus
        self.window = window
        self.startedAt = startedAt
    }

    public var isLive: Bool { !bus.isEnded }

    /// Lets the ingest session that publishes this stream be told to disconnect.
    public func onStop(_ handler: @escaping @Sendable (String) -> Void) {
        stopHandler.withLock { $0 = handler }
    }

    /// Ends the event from the server's side (its route was removed, the server is stopping):
    /// outputs close their playlists and the publishing session is asked to disconnect.
    public func stop(reason: String) {
        let handler = stopHandler.withLock { h in
            defer { h = nil }
            return h
        }
        bus.end()
        handler?(reason)
    }
}
