/// A bound socket of the ingest, kept across reloads while its URL stays in the routes.
protocol TSListener: AnyObject, Sendable {
    var url: TSListenURL { get }
    /// The bound port (the kernel's choice when the URL said 0).
    var localPort: Int? { get }
    var settings: TSListenerSettings { get }
    /// The kernel receive buffer the socket got (UDP), as the kernel reports it.
    var receiveBuffer: Int? { get }
    /// Whether the socket is open; a listener whose socket failed is bound again by the next apply.
    var isAlive: Bool { get }
    /// Whether a source is publishing through the listener right now.
    var isPublishing: Bool { get }
    /// Takes new settings: the stream path and idle timeout apply to the next session, a UDP
    /// receive buffer at once.
    func update(_ settings: TSListenerSettings) async
    /// Closes the socket and ends its sessions.
    func close() async
}
