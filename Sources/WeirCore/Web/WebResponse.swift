public import NIOCore

/// An HTTP response produced by a module.
public struct WebResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: ByteBuffer

    public init(status: Int, headers: [(String, String)] = [], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A short plain-text response that caches must not keep (errors, health).
    public static func text(_ status: Int, _ message: String) -> WebResponse {
        WebResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
            body: ByteBuffer(string: message.hasSuffix("\n") ? message : message + "\n"))
    }
}
