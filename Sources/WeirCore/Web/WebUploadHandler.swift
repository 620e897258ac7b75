/// A module that takes long-lived request bodies, such as MPEG-TS pushed over HTTP.
///
/// The host's server offers every `PUT`/`POST` to each upload handler in turn; the one that
/// claims it receives the body as it arrives, chunk by chunk, on the connection's event loop,
/// without the server buffering it.
public protocol WebUploadHandler: Sendable {
    /// Claims an upload, refuses it with a response, or returns nil when the path is not this
    /// handler's.
    func beginUpload(_ request: WebRequest, remoteAddress: String) -> Result<any WebUploadSink, WebUploadRefusal>?
}

/// A refused upload, answered before any body is read.
public struct WebUploadRefusal: Error, Sendable {
    public var response: WebResponse

    public init(_ response: WebResponse) {
        self.response = response
    }
}
