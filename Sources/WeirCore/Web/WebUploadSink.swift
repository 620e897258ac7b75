public import NIOCore

/// Receives one upload's body. Calls come in order from one event loop.
public protocol WebUploadSink: AnyObject, Sendable {
    /// A chunk of the body.
    ///
    /// - Returns: nil to go on, or a response that ends the upload early (the connection then
    ///   closes after it).
    func receive(_ chunk: ByteBuffer) -> WebResponse?

    /// The body ended normally; the returned response is sent.
    func finish() -> WebResponse

    /// The connection went away before the body ended.
    func abort()
}
