/// One bound listener, for the API, metrics and tests.
public struct TSListenerStatus: Sendable, Equatable {
    /// The URL in canonical form (`udp://239.1.1.1:9000`).
    public var url: String
    /// The bound port (the kernel's choice when the URL said 0).
    public var port: Int?
    public var stream: String
    public var route: String
    /// The kernel receive buffer of a UDP socket, as the kernel reports it (Linux reports
    /// twice the usable size); nil for TCP.
    public var receiveBuffer: Int?
    /// Whether a source is publishing through it right now.
    public var publishing: Bool
}
