/// One event on a stream path: its bus, its packaged window, and when it started.
public final class LiveStream: Sendable {
    public let path: StreamPath
    public let routeName: String
    public let bus: StreamBus
    public let window: SegmentWindow
    /// Wall-clock start, milliseconds since 1970.
    public let startedAt: Int64

    public init(path: StreamPath, routeName: String, bus: StreamBus, window: SegmentWindow, startedAt: Int64) {
        self.path = path
        self.routeName = routeName
        self.bus = bus
        self.window = window
        self.startedAt = startedAt
    }

    public var isLive: Bool { !bus.isEnded }
}
