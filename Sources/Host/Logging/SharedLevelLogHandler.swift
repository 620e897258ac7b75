import Logging

/// Writes like the wrapped handler, at the level of a shared ``LogLevelBox``.
///
/// Setting `logLevel` on one logger still changes that logger alone (log handlers are values),
/// and pins it: it no longer follows the box.
struct SharedLevelLogHandler: LogHandler {
    private var inner: any LogHandler
    private let shared: LogLevelBox
    private var pinned: Logger.Level?

    init(_ inner: any LogHandler, level shared: LogLevelBox) {
        self.inner = inner
        self.shared = shared
    }

    var logLevel: Logger.Level {
        get { pinned ?? shared.level }
        set { pinned = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}
