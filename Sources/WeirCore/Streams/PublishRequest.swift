/// A broadcaster asking to publish, as an ingest module presents it to the router.
public struct PublishRequest: Sendable {
    public var path: StreamPath
    /// The ingest module's name (`rtmp`, `srt`, …); only routes naming it accept the publish.
    public var ingest: String
    /// Query parameters that came with the stream name (`?key=…`), kept for authorisation.
    public var query: [String: String]
    public var remoteAddress: String

    public init(path: StreamPath, ingest: String, query: [String: String] = [:], remoteAddress: String) {
        self.path = path
        self.ingest = ingest
        self.query = query
        self.remoteAddress = remoteAddress
    }
}
