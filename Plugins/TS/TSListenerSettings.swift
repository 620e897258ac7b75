public import NIOCore
public import WeirCore

/// One listen URL of a route, with what its sessions publish and how.
public struct TSListenerSettings: Sendable, Equatable {
    public var url: TSListenURL
    /// The route that declared the listener.
    public var routeName: String
    public var stream: StreamPath
    /// Nil when disabled (TCP only).
    public var idleTimeout: TimeAmount?
    /// Requested kernel receive buffer of a UDP socket, in bytes.
    public var receiveBuffer: Int

    public init(url: TSListenURL, routeName: String, stream: StreamPath, idleTimeout: TimeAmount?, receiveBuffer: Int) {
        self.url = url
        self.routeName = routeName
        self.stream = stream
        self.idleTimeout = idleTimeout
        self.receiveBuffer = receiveBuffer
    }
}
