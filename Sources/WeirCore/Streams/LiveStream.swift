import Synchronization

/// One event on a stream path: its bus, its packaged window, and who is publishing it.
///
/// An event outlives a publisher's connection: a broadcaster that drops and comes back within
/// the route's reconnect window, or a publisher taking over a stale session, attaches to the
/// same event, so viewers keep their playlists. Each attachment has a generation, so a late
/// `finish` from a replaced session cannot detach its successor.
public final class LiveStream: Sendable {
    public let path: StreamPath
    public let routeName: String
    public let bus: StreamBus
    public let window: SegmentWindow
    /// Wall-clock start, milliseconds since 1970.
    public let startedAt: Int64

    private struct Attachment {
        var generation = 0
        var attached = false
        var disconnect: (@Sendable (String) -> Void)?
        var sessions = 0
    }

    private let attachment = Mutex(Attachment())

    public init(path: StreamPath, routeName: String, bus: StreamBus, window: SegmentWindow, startedAt: Int64) {
        self.path = path
        self.routeName = routeName
        self.bus = bus
        self.window = window
        self.startedAt = startedAt
    }

    public var isLive: Bool { !bus.isEnded }

    /// A publisher is attached right now.
    public var hasPublisher: Bool { attachment.withLock { $0.attached } }

    /// Publishing sessions this event has had (1 + reconnects and takeovers).
    public var sessionCount: Int { attachment.withLock { $0.sessions } }

    /// Attaches a publisher. With `replacing`, an attached publisher is disconnected first.
    ///
    /// - Returns: the attachment's generation, or nil when another publisher is attached and
    ///   `replacing` is false.
    public func attach(replacing: Bool) -> Int? {
        let (generation, previous): (Int?, (@Sendable (String) -> Void)?) = attachment.withLock { a in
            if a.attached && !replacing { return (nil, nil) }
            let previous = a.attached ? a.disconnect : nil
            a.generation += 1
            a.attached = true
            a.disconnect = nil
            a.sessions += 1
            return (a.generation, previous)
        }
        previous?("another publisher took over the stream")
        return generation
    }

    /// Detaches the publisher of `generation`; false if it had already been replaced.
    public func detach(generation: Int) -> Bool {
        attachment.withLock { a in
            guard a.generation == generation, a.attached else { return false }
            a.attached = false
            a.disconnect = nil
            return true
        }
    }

    /// Still without a publisher since `generation` detached.
    public func isDetached(since generation: Int) -> Bool {
        attachment.withLock { !$0.attached && $0.generation == generation }
    }

    /// Registers how to disconnect the publisher of `generation` from the server's side.
    public func onDisconnect(generation: Int, _ handler: @escaping @Sendable (String) -> Void) {
        // A session already replaced by a newer one is told at once.
        let replaced = attachment.withLock { a -> Bool in
            guard a.generation <= generation else { return true }
            a.disconnect = handler
            return false
        }
        if replaced { handler("another publisher took over the stream") }
    }

    /// Disconnects the current publisher without ending the event (it may come back within the
    /// reconnect window).
    public func disconnectPublisher(reason: String) {
        let handler = attachment.withLock { a in
            defer { a.disconnect = nil }
            return a.disconnect
        }
        handler?(reason)
    }

    /// Ends the event from the server's side (its route was removed, the server is stopping):
    /// outputs close their playlists and the publisher, if any, is disconnected.
    public func stop(reason: String) {
        let handler = attachment.withLock { a in
            defer {
                a.disconnect = nil
                a.attached = false
            }
            return a.disconnect
        }
        bus.end()
        handler?(reason)
    }
}
