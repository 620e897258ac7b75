import Synchronization

/// Every live event, and recently ended ones whose windows are still served, by stream path.
public final class StreamCatalog: Sendable {
    private let streams = Mutex<[StreamPath: LiveStream]>([:])

    public init() {}

    public func stream(at path: StreamPath) -> LiveStream? {
        streams.withLock { $0[path] }
    }

    public var all: [LiveStream] { streams.withLock { Array($0.values) } }

    /// Installs a new event on `path` unless one is live there.
    ///
    /// - Parameters:
    ///   - make: builds the stream; called only when the path is free.
    /// - Returns: the new stream, or nil when the path is busy.
    public func claim(_ path: StreamPath, make: () -> LiveStream) -> LiveStream? {
        streams.withLock { s in
            if let existing = s[path], existing.isLive { return nil }
            let stream = make()
            s[path] = stream
            return stream
        }
    }

    /// Forgets an ended stream (its window is no longer served).
    public func remove(_ stream: LiveStream) {
        streams.withLock { s in
            if s[stream.path] === stream { s[stream.path] = nil }
        }
    }
}
